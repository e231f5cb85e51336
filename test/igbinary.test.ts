/**
 * igbinary read, checked against the real igbinary_serialize() (php-igbinary)
 * over generated values: scalars of every width, strings short and long and
 * repeated (numbered), lists, maps, nesting, objects (display form), PHP
 * references and repeated objects; plus truncated and hostile input.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { igbinaryDecode, IgbinaryError } from '../src/core/codecs/igbinary.js';

/** PHP: each value's igbinary bytes (hex) and its display form as JSON (objects as {__class, ...props}). */
function fromPhp(values: string): Array<{ hex: string; json: string }> {
  const script = `
    function shown($v) {
      if (is_object($v)) { $o = ['__class' => get_class($v)]; foreach (get_object_vars($v) as $k => $p) { $o[$k] = shown($p); } return $o; }
      if (is_array($v)) { return array_map('shown', $v); }
      return $v;
    }
    mt_srand(42);
    $out = [];
    foreach (${values} as $v) { $out[] = ['hex' => bin2hex(igbinary_serialize($v)), 'json' => json_encode(shown($v))]; }
    echo json_encode($out);`;
  try {
    return JSON.parse(execFileSync('php', ['-r', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    throw new Error(`php with php-igbinary is needed (apt-get install php-cli php-igbinary): ${(error as Error).message}`);
  }
}

describe('igbinary, against igbinary_serialize()', () => {
  it('decodes generated values as PHP sees them', () => {
    const generated = `(function () {
      $values = [null, true, false, 0, 1, 255, 256, -1, -255, -256, 65535, 65536, -65536, 2147483647, 4294967296, -4294967296, 9007199254740991, -9007199254740991,
        0.5, -1.25, 1e300, "", "a", "héllo ✓", str_repeat("x", 255), str_repeat("y", 256), str_repeat("z", 70000), [], [1, 2, 3], ["a" => 1, "b" => [true, null]],
        [3 => "x", "k" => "k", "k2" => "k", "k3" => "k"], ["nested" => ["deeper" => ["deepest" => [1.5, "s"]]]]];
      for ($i = 0; $i < 60; $i++) {
        $map = [];
        for ($j = 0, $n = mt_rand(0, 12); $j < $n; $j++) {
          $pick = mt_rand(0, 5);
          $v = [mt_rand(-100000, 100000), 'str' . mt_rand(0, 9), mt_rand() / 7, (bool) mt_rand(0, 1), null, ['inner' . mt_rand(0, 3) => mt_rand()]][$pick];
          if (mt_rand(0, 1)) { $map[] = $v; } else { $map['key' . mt_rand(0, 20)] = $v; }
        }
        $values[] = $map;
      }
      $o = new stdClass; $o->name = 'Ada'; $o->tags = ['a', 'b']; $o->child = new stdClass; $o->child->x = 1;
      $values[] = $o;
      $values[] = [$o, $o, 'name'];
      return $values;
    })()`;
    const cases = fromPhp(generated);
    expect(cases.length).toBeGreaterThan(90);
    for (const { hex, json } of cases) expect(igbinaryDecode(Buffer.from(hex, 'hex'))).toEqual(JSON.parse(json));
  });

  it('follows PHP references and repeated arrays', () => {
    const [refs, arrays] = fromPhp('[(function () { $x = "v"; return [&$x, &$x, "v"]; })(), (function () { $a = [1, 2]; return ["p" => $a, "q" => $a]; })()]');
    expect(igbinaryDecode(Buffer.from(refs!.hex, 'hex'))).toEqual(['v', 'v', 'v']);
    expect(igbinaryDecode(Buffer.from(arrays!.hex, 'hex'))).toEqual({ p: [1, 2], q: [1, 2] });
  });

  it('refuses truncated, lying and hostile input with IgbinaryError, quickly', () => {
    const [sample] = fromPhp('[["a" => str_repeat("b", 100), "c" => [1, 2, 3]]]');
    const bytes = Buffer.from(sample!.hex, 'hex');
    for (let cut = 0; cut < bytes.length; cut++) expect(() => igbinaryDecode(bytes.subarray(0, cut))).toThrow(IgbinaryError);
    const hostile = [
      Buffer.from('0000000216ffffffff', 'hex'), // an array claiming 4 billion entries
      Buffer.from('0000000213ffffffff', 'hex'), // a string claiming 4 GiB
      Buffer.from('000000020e05', 'hex'), // a string number never defined
      Buffer.from('000000020105', 'hex'), // a reference to nothing
      Buffer.concat([Buffer.from('00000002', 'hex'), Buffer.alloc(10_000, 0x25)]), // references nested without end
      Buffer.from('00000003', 'hex'), // an unknown version
    ];
    for (const input of hostile) expect(() => igbinaryDecode(input)).toThrow(IgbinaryError);
  });
});
