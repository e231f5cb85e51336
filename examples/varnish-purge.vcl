# Varnish VCL that accepts the purges glueful-cache's varnish provider sends
# (cache:purge --url / --url-prefix / --edge-tag / --edge-all, cache:clear --edge),
# only from the machines in the purgers ACL. Needs vmod xkey (Debian: varnish-modules).
#
#   PURGE <path>, Host: <site>                       one object        -> return (purge)
#   PURGE /, xkey: a b c   (xkey-softpurge: soft)     tagged objects    -> "Invalidated N"
#   BAN /, x-ban-url: ^/blog/, x-ban-host: <site>     a prefix of a site
#   BAN /, x-ban-url: ., x-ban-host: <site>           a whole site
#   BAN /, x-ban-url: .                               everything
#
# The origin tags responses with `xkey: tagA tagB` (edgeCacheHeaders({ provider: 'varnish', tags })).
vcl 4.1;

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8080";
}

# Only these clients may purge: anyone else who reaches Varnish could empty it.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Purging not allowed from " + client.ip));
        }
        if (req.method == "BAN") {
            if (!req.http.x-ban-url) {
                return (synth(400, "BAN needs an x-ban-url header"));
            }
            if (req.http.x-ban-host) {
                std.ban("obj.http.x-url ~ " + req.http.x-ban-url + " && obj.http.x-host == " + req.http.x-ban-host);
            } else {
                std.ban("obj.http.x-url ~ " + req.http.x-ban-url);
            }
            if (std.ban_error() != "") {
                return (synth(400, "Bad ban: " + std.ban_error()));
            }
            return (synth(200, "Banned"));
        }
        if (req.http.xkey) {
            set req.http.n-gone = xkey.purge(req.http.xkey);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        if (req.http.xkey-softpurge) {
            set req.http.n-gone = xkey.softpurge(req.http.xkey-softpurge);
            return (synth(200, "Invalidated " + req.http.n-gone + " objects"));
        }
        return (purge);
    }
}

# Bans are evaluated against objects: keep the URL and host on each one.
sub vcl_backend_response {
    set beresp.http.x-url = bereq.url;
    set beresp.http.x-host = bereq.http.host;
}

sub vcl_deliver {
    unset resp.http.x-url;
    unset resp.http.x-host;
}
