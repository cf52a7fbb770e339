// @fastpath/bench imports cli-progress, which ships no types and has no @types package in the
// root package.json yet; typechecking this app compiles that library's sources too.
declare module 'cli-progress';
