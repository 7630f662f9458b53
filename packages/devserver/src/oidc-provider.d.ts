// oidc-provider ships no type declarations and @types/oidc-provider trails the runtime, so the
// package is declared loosely here and narrowed through the internal interfaces in provider-types.ts.
declare module 'oidc-provider'
