// The secure-aggregation pieces as one module (/assets/secagg.js): the conformance tests import it in a page and
// compare its bytes with the .NET implementation's (tests/Tessera.Browser.Tests/BrowserSecAggConformanceTests.cs).
export * as bytes from './bytes';
export * as shamir from './shamir';
export * as kdf from './key-derivation';
export * as p256 from './p256';
export * as cipher from './share-cipher';
export * as prg from './mask-prg';
export * as quantizer from './quantizer';
export * as format from './update-format';
export * as skellam from './skellam';
export { SecAggClient, SecAggRefusal } from './client';
