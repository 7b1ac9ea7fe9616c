/**
 * A well-formed deployment manifest whose addresses point at nothing: for
 * tests that start a relay (config parsing, the HTTP and Worker layers) and
 * never reach a chain. Platform-free, so workerd suites import it too.
 */
export const felt = (n: number) => `0x${n.toString(16)}`;

export const fakeManifest = {
  chainId: '0x534e5f5345504f4c4941',
  deployedAt: 'now',
  deployer: felt(1),
  contracts: Object.fromEntries(['ciro_token', 'cdc_pool', 'job_mgr', 'paymaster'].map((k, i) => [k, { address: felt(10 + i), classHash: felt(20 + i) }])),
  tokens: { STRK: { address: felt(30), decimals: 18 } },
  accountClassHashes: [felt(40)],
};
