#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the test suite starts for
# real when they are missing: redis-server (plain, TLS, Cluster, Sentinel),
# memcached, sasl2-bin (a SASL memcached), openssl (test certificates),
# script (pseudo-terminal tests), and php-cli with the memcached, redis,
# igbinary and msgpack extensions plus setpriv (PHP playing the app, as
# another user), and varnish with varnish-modules (vmod xkey) for the edge
# purge tests, and zsh and fish (the completion scripts).
# Quick and silent when everything is there. Needs root, or sudo.
set -euo pipefail

need=()
for pair in redis-server:redis-server memcached:memcached saslpasswd2:sasl2-bin openssl:openssl script:bsdutils php:php-cli setpriv:util-linux varnishd:varnish zsh:zsh fish:fish; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
# PHP extensions the interop tests write and read with (php -m lists the loaded ones).
if command -v php >/dev/null 2>&1; then loaded=$(php -m 2>/dev/null | tr 'A-Z' 'a-z'); else loaded=''; fi
for ext in memcached redis igbinary msgpack; do
  grep -qx "$ext" <<<"$loaded" || need+=("php-$ext")
done
# vmod xkey (tag purges) comes with varnish-modules.
compgen -G '/usr/lib/*/varnish/vmods/libvmod_xkey.so' >/dev/null || need+=(varnish-modules)
[ ${#need[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "test-deps: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "test-deps: installing ${need[*]} (apt-get)"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
