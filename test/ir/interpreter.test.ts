import assert from "node:assert/strict";
import { test } from "node:test";
import { randomHost, randomModule } from "../../src/cli/fuzz/generate.js";
import { Interpreter, LinkError } from "../../src/ir/interpreter.js";
import { parseModule } from "../../src/ir/parser.js";
import { TrapError, TrapKind } from "../../src/ir/trap.js";
import { verify } from "../../src/ir/verifier.js";

function load(text: string, options: ConstructorParameters<typeof Interpreter>[1] = {}): Interpreter {
  const module = parseModule(text, "t.tir");
  assert.deepEqual(verify(module), []);
  return new Interpreter(module, options);
}

function trapOf(run: () => unknown): TrapError {
  try {
    run();
  } catch (error) {
    if (error instanceof TrapError) return error;
    throw error;
  }
  assert.fail("expected a trap");
}

const FIB = `export func @fib(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 2
  v2:i32 = lt_s v0, v1
  br_if v2, block1, block2
block1:
  return v0
block2:
  v3:i32 = const 1
  v4:i32 = sub v0, v3
  v5:i32 = call @fib(v4)
  v6:i32 = sub v4, v3
  v7:i32 = call @fib(v6)
  v8:i32 = add v5, v7
  return v8
}
`;

test("recursion and branches: fib", () => {
  const interp = load(FIB);
  assert.equal(interp.call("fib", [20]), 6765);
});

test("loops with block arguments bind in parallel (swap)", () => {
  // (a, b) = (b, a) n times via block arguments passed in swapped order
  const interp = load(`export func @swap(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
  jump block1(v0, v1, v2)
block1(v3: i32, v4: i32, v5: i32):
  v6:i32 = const 0
  v7:i32 = gt_s v3, v6
  br_if v7, block2, block3
block2:
  v8:i32 = const 1
  v9:i32 = sub v3, v8
  jump block1(v9, v5, v4)
block3:
  return v4
}
`);
  assert.equal(interp.call("swap", [3, 10, 20]), 20);
  assert.equal(interp.call("swap", [4, 10, 20]), 10);
});

test("br_table picks the case or the default for out-of-range and negative indices", () => {
  const interp = load(`export func @sw(i32) -> i32 {
block0(v0: i32):
  br_table v0, [block1, block2, block1], block3
block1:
  v1:i32 = const 100
  return v1
block2:
  v2:i32 = const 200
  return v2
block3:
  v3:i32 = const 300
  return v3
}
`);
  assert.deepEqual(
    [0, 1, 2, 3, -1, 1000].map((i) => interp.call("sw", [i])),
    [100, 200, 100, 300, 300, 300],
  );
});

test("i64 values cross the host boundary as bigint; select; globals", () => {
  const interp = load(`global $acc: i64 mut = 5
export func @f(i64, i32) -> i64 {
block0(v0: i64, v1: i32):
  v2:i64 = global_get $acc
  v3:i64 = mul v0, v2
  v4:i64 = const -1
  v5:i64 = select v1, v3, v4
  global_set $acc, v5
  return v5
}
`);
  assert.equal(interp.call("f", [3n, 1]), 15n);
  assert.equal(interp.call("f", [2n, 1]), 30n);
  assert.equal(interp.call("f", [2n, 0]), -1n);
  assert.equal(interp.globals[0], -1n);
  // acc is -1 now: MAX * -1 wraps to -MAX; then -MAX * -MAX wraps to 1
  assert.equal(interp.call("f", [0x7fffffffffffffffn, 1]), -0x7fffffffffffffffn);
  assert.equal(interp.call("f", [-0x7fffffffffffffffn, 1]), 1n);
});

test("memory: data segments, narrow loads and stores, offsets, grow, bounds", () => {
  const interp = load(`memory 1 2
data 8 "\\ff\\80\\01\\02"
export func @ld(i32) -> i64 {
block0(v0: i32):
  v1:i64 = load8_s v0 offset=8
  v2:i64 = load16_u v0 offset=8
  v3:i64 = add v1, v2
  return v3
}
export func @st(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
  store32 v0, v1
  v2:i32 = load v0
  return v2
}
export func @grow(i32) -> i32 {
block0(v0: i32):
  v1:i32 = memory_grow v0
  return v1
}
export func @size() -> i32 {
block0:
  v0:i32 = memory_size
  return v0
}
`);
  assert.equal(interp.call("ld", [0]), -1n + 0x80ffn);
  assert.equal(interp.call("st", [100, 0x1_2345_6789n]), 0x23456789);
  assert.equal(interp.memory[100], 0x89);
  assert.equal(trapOf(() => interp.call("st", [65533, 1n])).kind, TrapKind.MemoryOutOfBounds);
  assert.equal(trapOf(() => interp.call("st", [-1, 1n])).kind, TrapKind.MemoryOutOfBounds);
  assert.equal(interp.call("grow", [1]), 1);
  assert.equal(interp.call("size"), 2);
  assert.equal(interp.call("grow", [1]), -1, "beyond the module maximum");
  assert.equal(interp.call("st", [65533, 7n]), 7, "the grown page is addressable");
});

test("the memory limit option caps growth below the module maximum", () => {
  const interp = load(
    "memory 1\nexport func @grow(i32) -> i32 {\nblock0(v0: i32):\n  v1:i32 = memory_grow v0\n  return v1\n}\n",
    {
      maxMemoryPages: 3,
    },
  );
  assert.equal(interp.call("grow", [2]), 1);
  assert.equal(interp.call("grow", [1]), -1);
});

const INDIRECT = `type t0 = (i32) -> i32
type t1 = () -> i32
table [@inc, null, @dbl]
func @inc(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 1
  v2:i32 = add v0, v1
  return v2
}
func @dbl(i32) -> i32 {
block0(v0: i32):
  v1:i32 = add v0, v0
  return v1
}
export func @call(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
  v2:i32 = call_indirect t0 v0(v1)
  return v2
}
export func @wrongsig(i32) -> i32 {
block0(v0: i32):
  v1:i32 = call_indirect t1 v0()
  return v1
}
`;

test("call_indirect: dispatch, null entry, out of range, signature mismatch", () => {
  const interp = load(INDIRECT);
  assert.equal(interp.call("call", [0, 41]), 42);
  assert.equal(interp.call("call", [2, 21]), 42);
  assert.equal(trapOf(() => interp.call("call", [1, 0])).kind, TrapKind.NullFunction);
  assert.equal(trapOf(() => interp.call("call", [3, 0])).kind, TrapKind.TableOutOfBounds);
  assert.equal(trapOf(() => interp.call("call", [-1, 0])).kind, TrapKind.TableOutOfBounds);
  assert.equal(trapOf(() => interp.call("wrongsig", [0])).kind, TrapKind.SignatureMismatch);
});

test("traps carry kind, message and the guest stack with source lines", () => {
  const interp = load(`source "prog.tj"
func @inner(i32) -> i32 !2:1 {
block0(v0: i32):
  v1:i32 = const 0
  v2:i32 = div_s v0, v1 !3:12
  return v2
}
export func @outer(i32) -> i32 !6:1 {
block0(v0: i32):
  v1:i32 = call @inner(v0) !7:10
  return v1
}
`);
  const trap = trapOf(() => interp.call("outer", [1]));
  assert.equal(trap.kind, TrapKind.IntegerDivideByZero);
  assert.equal(trap.message, "integer divide by zero");
  assert.deepEqual(trap.guestStack, [
    { functionName: "inner", file: "prog.tj", line: 3 },
    { functionName: "outer", file: "prog.tj", line: 7 },
  ]);
  assert.equal(trap.formatStack(), "  at inner (prog.tj:3)\n  at outer (prog.tj:7)");
  // the engine stays usable: the same call traps the same way again
  assert.deepEqual(trapOf(() => interp.call("outer", [2])).guestStack, trap.guestStack);
});

test("explicit traps: trap_if, trap, unreachable", () => {
  const interp = load(`export func @f(i32) -> i32 {
block0(v0: i32):
  trap_if v0, negative_array_length
  v1:i32 = const 0
  br_if v1, block1, block2
block1:
  unreachable
block2:
  trap out_of_memory
}
`);
  assert.equal(trapOf(() => interp.call("f", [1])).message, "negative array length");
  assert.equal(trapOf(() => interp.call("f", [0])).message, "out of memory");
});

test("deep recursion traps with stack overflow at the depth limit, and the engine stays usable", () => {
  const interp = load(
    `export func @down(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 1
  v2:i32 = add v0, v1
  v3:i32 = call @down(v2)
  return v3
}
${FIB}`,
    { maxCallDepth: 500 },
  );
  const trap = trapOf(() => interp.call("down", [0]));
  assert.equal(trap.kind, TrapKind.StackOverflow);
  assert.equal(trap.guestStack.length, 500);
  assert.equal(interp.call("fib", [10]), 55);
  // the default limit is far deeper than the host's own JS stack would allow for a recursive interpreter
  const deep = load(`export func @down(i32) -> i32 {
block0(v0: i32):
  v1:i32 = const 0
  v2:i32 = eq v0, v1
  br_if v2, block1, block2
block1:
  return v0
block2:
  v3:i32 = const 1
  v4:i32 = sub v0, v3
  v5:i32 = call @down(v4)
  return v5
}
`);
  assert.equal(deep.call("down", [9000]), 0);
});

test("host calls receive IR scalars and their results are coerced to the import's type", () => {
  const seen: unknown[] = [];
  const interp = load(
    `import @h(i32, i64, f64) -> i32 = "env" "h"
import @g() -> f32 = "env" "g"
export func @f() -> f32 {
block0:
  v0:i32 = const -5
  v1:i64 = const 7
  v2:f64 = const 0.5
  v3:i32 = call_host @h(v0, v1, v2)
  v4:f32 = call_host @g()
  return v4
}
`,
    {
      imports: {
        env: {
          h: (...args) => {
            seen.push(...args);
            return 2 ** 32 + 3;
          },
          g: () => 0.1,
        },
      },
    },
  );
  assert.equal(interp.call("f"), Math.fround(0.1));
  assert.deepEqual(seen, [-5, 7n, 0.5]);
});

test("a missing import is a LinkError naming it", () => {
  assert.throws(
    () => load(`import @h() = "env" "nope"\n`),
    (error: Error) => {
      assert.ok(error instanceof LinkError);
      assert.match(error.message, /missing import env\.nope \(@h\)/);
      return true;
    },
  );
});

test("the start function runs at instantiation", () => {
  const interp = load(`global $x: i32 mut = 0
start @init
func @init() {
block0:
  v0:i32 = const 42
  global_set $x, v0
  return
}
export func @get() -> i32 {
block0:
  v0:i32 = global_get $x
  return v0
}
`);
  assert.equal(interp.call("get"), 42);
});

test("an interrupt callback stops a long loop with a timeout trap", () => {
  let polls = 0;
  const interp = load(
    `export func @spin() {
block0:
  jump block1
block1:
  jump block1
}
`,
    { interrupt: () => ++polls > 3 },
  );
  assert.equal(trapOf(() => interp.call("spin")).kind, TrapKind.Timeout);
  assert.equal(polls, 4);
});

test("random modules run deterministically on the interpreter", () => {
  for (let seed = 1; seed <= 150; seed++) {
    const module = randomModule(seed);
    const outcome = (): string => {
      const log: string[] = [];
      try {
        const interp = new Interpreter(module, { imports: randomHost(module, log) });
        const main = module.functions[0]!;
        const args = main.params.map((t, i) => (t === 1 ? BigInt(i * 3 - 1) : i * 3 - 1));
        return `${String(interp.call(0, args))} ${log.join(";")}`;
      } catch (error) {
        if (error instanceof TrapError) return `trap ${error.message} ${log.join(";")}`;
        throw error;
      }
    };
    assert.equal(outcome(), outcome(), `seed ${seed}`);
  }
});
