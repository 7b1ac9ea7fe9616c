/**
 * The account key: a JSON file only its owner can read (0600), or
 * CIRO_PRIVATE_KEY in the environment. The private key is read here and
 * handed to starknet.js's signer; nothing in the CLI prints, logs or puts it
 * in an error message (test/cli/errors.test.ts greps every output for it).
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ec, hash, num, stark } from 'starknet';
import type { Settings } from './config.ts';
import { usage } from './errors.ts';

/** What `ciro account create` writes: enough to sign, and to deploy the account through the relay. */
export interface KeyFile {
  version: 1;
  /** 'argent': an Argent 0.4.0 account whose guardian is the relay's session cosigner (it signs only under sessions). */
  kind?: 'openzeppelin' | 'argent';
  address: string;
  publicKey: string;
  privateKey: string;
  classHash: string;
  salt: string;
  constructorCalldata: string[];
  /** kind 'argent': the guardian public key the account was made with. */
  guardian?: string;
}

export interface AccountKey {
  kind: 'openzeppelin' | 'argent';
  address: string;
  privateKey: string;
  /** SNIP-29 deployment data, when the key file knows how the account is deployed. */
  deployment?: { address: string; class_hash: string; salt: string; calldata: string[]; version: 1 };
  /** Where the key came from, for messages (never the key itself). */
  origin: string;
}

/**
 * A new key pair for an account class whose constructor takes the public key
 * alone (OpenZeppelin's, which devnet and the local stack use), at its
 * counterfactual address: salt = public key, deployer 0, as the relay's
 * deployments through the UDC with unique = false compute it.
 */
export function newKey(classHash: string): KeyFile {
  const privateKey = stark.randomAddress();
  const publicKey = ec.starkCurve.getStarkKey(privateKey);
  const address = num.toHex64(hash.calculateContractAddressFromHash(publicKey, classHash, [publicKey], 0));
  return { version: 1, kind: 'openzeppelin', address, publicKey, privateKey, classHash: num.toHex(classHash), salt: publicKey, constructorCalldata: [publicKey] };
}

/**
 * A new owner key for an Argent 0.4.0 account guarded by `guardian` (the
 * relay's session cosigner): constructor(owner: Signer::Starknet(pub),
 * guardian: Some(Signer::Starknet(guardian))) = [0, pub, 0, 0, guardian].
 */
export function newArgentKey(classHash: string, guardian: string): KeyFile {
  const privateKey = stark.randomAddress();
  const publicKey = ec.starkCurve.getStarkKey(privateKey);
  const constructorCalldata = ['0x0', publicKey, '0x0', '0x0', num.toHex(guardian)];
  const address = num.toHex64(hash.calculateContractAddressFromHash(publicKey, classHash, constructorCalldata, 0));
  return { version: 1, kind: 'argent', address, publicKey, privateKey, classHash: num.toHex(classHash), salt: publicKey, constructorCalldata, guardian: num.toHex(guardian) };
}

export function writeKeyFile(path: string, key: KeyFile): void {
  writePrivateJson(path, key, 'Choose another --key-file (an existing key is never overwritten).');
}

/** Reads a JSON file holding a secret, refusing one that group or others could read or write. */
export function readPrivateJson<T>(path: string, what: string, create: string): Partial<T> {
  if (!existsSync(path)) throw usage(`no ${what} at ${path}`, create);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw usage(`${path} has mode ${mode.toString(8).padStart(4, '0')}; a ${what} must be readable by its owner only`, `Run: chmod 600 ${path}`);
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // JSON.parse's message quotes the text around the error, which may be the key: say nothing of it.
    throw usage(`${path} is not valid JSON`, `Restore the ${what} from your backup.`);
  }
}

/** Creates a secret file with mode 0600 from the first byte (O_EXCL: an existing file is never overwritten). */
export function writePrivateJson(path: string, value: unknown, hint: string): void {
  if (existsSync(path)) throw usage(`${path} already exists`, hint);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(value, null, 2) + '\n');
  } finally {
    closeSync(fd);
  }
}

/** A Stark private key is 1 ≤ k < the curve's order (an Ethereum key pasted by mistake usually is not). */
const inRange = (k: string) => BigInt(k) > 0n && BigInt(k) < ec.starkCurve.CURVE.n;

/** Reads a key file (0600 only). */
export function readKeyFile(path: string): KeyFile {
  const parsed = readPrivateJson<KeyFile>(path, 'key file', 'Create one with `ciro account create`, or set --key-file / CIRO_KEY_FILE / CIRO_PRIVATE_KEY.');
  for (const field of ['address', 'privateKey'] as const) {
    if (typeof parsed[field] !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(parsed[field]!)) {
      throw usage(`${path}: field '${field}' is missing or not a hex felt`);
    }
  }
  // Checked here, where the message can leave the key out: the curve library's own error prints it in decimal.
  if (!inRange(parsed.privateKey!)) throw usage(`${path}: 'privateKey' is not a Stark private key (1 ≤ k < the curve order)`);
  return parsed as KeyFile;
}

/** The key the settings point at: CIRO_PRIVATE_KEY (with CIRO_ACCOUNT_ADDRESS), or a key file. */
export function loadKey(settings: Settings): AccountKey {
  const src = settings.keySource();
  if (src.kind === 'env') {
    const privateKey = process.env.CIRO_PRIVATE_KEY!;
    if (!/^0x[0-9a-fA-F]{1,64}$/.test(privateKey) || !inRange(privateKey)) throw usage('CIRO_PRIVATE_KEY is not a Stark private key (a hex number, 1 ≤ k < the curve order)');
    if (!src.address) throw usage('CIRO_PRIVATE_KEY is set without CIRO_ACCOUNT_ADDRESS', 'Set CIRO_ACCOUNT_ADDRESS to the account the key signs for.');
    return { kind: 'openzeppelin', address: num.toHex64(src.address), privateKey, origin: 'CIRO_PRIVATE_KEY' };
  }
  const k = readKeyFile(src.path);
  const deployment =
    k.classHash && k.salt && Array.isArray(k.constructorCalldata)
      ? { address: k.address, class_hash: k.classHash, salt: k.salt, calldata: k.constructorCalldata, version: 1 as const }
      : undefined;
  return { kind: k.kind ?? 'openzeppelin', address: num.toHex64(k.address), privateKey: k.privateKey, ...(deployment ? { deployment } : {}), origin: src.path };
}
