//! Revert reasons of JobMgr (the full table is in contracts/README.md).

pub const PAUSED: felt252 = 'JOB: paused';
pub const MODEL_HASH_ZERO: felt252 = 'JOB: model hash zero';
pub const UNKNOWN_MODEL: felt252 = 'JOB: unknown model';
pub const MODEL_INACTIVE: felt252 = 'JOB: model inactive';
pub const UNKNOWN_JOB: felt252 = 'JOB: unknown job';
pub const NOT_PENDING: felt252 = 'JOB: not pending';
pub const WORKER_NOT_ACTIVE: felt252 = 'JOB: worker not active';
pub const MISSING_CAPABILITIES: felt252 = 'JOB: missing capabilities';
pub const NOT_ASSIGNED_WORKER: felt252 = 'JOB: not assigned worker';
pub const NOT_ASSIGNED: felt252 = 'JOB: not assigned';
pub const DEADLINE_PASSED: felt252 = 'JOB: deadline passed';
pub const RESULT_HASH_ZERO: felt252 = 'JOB: result hash zero';
pub const NOT_CLIENT: felt252 = 'JOB: not client';
pub const NOT_EXPIRED: felt252 = 'JOB: not expired';
pub const NOT_PARTY: felt252 = 'JOB: not party';
pub const NOT_DISPUTED: felt252 = 'JOB: not disputed';
pub const TIMEOUT_ZERO: felt252 = 'JOB: timeout zero';
pub const ZERO_ADDRESS: felt252 = 'JOB: zero address';
pub const TRANSFER_FAILED: felt252 = 'JOB: transfer failed';
