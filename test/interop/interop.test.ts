/**
 * Every SNIP-29 client we know of, each at a pinned version, against one
 * local stack (devnet + CIRO contracts + the relay on a loopback socket):
 * (a) sponsored deploy_and_invoke of a fresh account, (b) sponsored invoke,
 * (c) default-mode invoke paying the fee in CIRO, where the client can.
 * One stack for all clients: a devnet costs more than every flow together.
 * The clients, their folders and what each proves: README.md beside this file.
 */
import { afterAll, beforeAll } from 'vitest';
import { buildGoDriver } from './go/build.ts';
import { startInterop, type Interop } from './harness.ts';
import { avnuSdkSuite } from './suites/avnu-sdk.ts';
import { starknetGoSuite } from './suites/starknet-go.ts';
import { starknetJsSuite } from './suites/starknet-js.ts';
import { starknetReactSuite } from './suites/starknet-react.ts';

// The Go build overlaps the stack's start; only the starknet.go suite waits for it.
const goBuild = buildGoDriver();
goBuild.catch(() => {});

let ix: Interop;
beforeAll(async () => {
  ix = await startInterop();
});
afterAll(async () => ix?.close());
const stack = () => ix;

starknetJsSuite(stack);
avnuSdkSuite(stack);
starknetReactSuite(stack);
starknetGoSuite(stack, goBuild);

