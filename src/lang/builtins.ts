/** TJ's builtin functions (language.md, "Builtins"): names and the shape of their signatures. */

export type BuiltinShape =
  /** print(x): i32, i64, f64, bool or a string literal */
  | "print"
  /** (f64, i32) => void */
  | "print_fixed"
  /** (f64) => f64 */
  | "f64_unary"
  /** (f64, f64) => f64 */
  | "f64_binary"
  /** (T) => T for T in i32, i64 */
  | "int_unary"
  /** (T, T) => T for T in i32, i64 */
  | "int_binary"
  /** (T, T) => bool for T in i32, i64 */
  | "int_compare"
  /** () => void, never returns */
  | "unreachable";

export const BUILTINS: ReadonlyMap<string, BuiltinShape> = new Map<string, BuiltinShape>([
  ["print", "print"],
  ["print_fixed", "print_fixed"],
  ["sqrt", "f64_unary"],
  ["abs", "f64_unary"],
  ["floor", "f64_unary"],
  ["ceil", "f64_unary"],
  ["trunc", "f64_unary"],
  ["nearest", "f64_unary"],
  ["min", "f64_binary"],
  ["max", "f64_binary"],
  ["copysign", "f64_binary"],
  ["clz", "int_unary"],
  ["ctz", "int_unary"],
  ["popcnt", "int_unary"],
  ["rotl", "int_binary"],
  ["rotr", "int_binary"],
  ["divu", "int_binary"],
  ["remu", "int_binary"],
  ["ltu", "int_compare"],
  ["leu", "int_compare"],
  ["gtu", "int_compare"],
  ["geu", "int_compare"],
  ["unreachable", "unreachable"],
]);
