//! Revert reasons of CdcPool (the full table is in contracts/README.md).

pub const PAUSED: felt252 = 'CDC: paused';
pub const ALREADY_REGISTERED: felt252 = 'CDC: already registered';
pub const NOT_REGISTERED: felt252 = 'CDC: not registered';
pub const AMOUNT_ZERO: felt252 = 'CDC: amount zero';
pub const INSUFFICIENT_STAKE: felt252 = 'CDC: insufficient stake';
pub const NOTHING_TO_WITHDRAW: felt252 = 'CDC: nothing to withdraw';
pub const UNSTAKE_LOCKED: felt252 = 'CDC: unstake locked';
pub const JOBS_OPEN: felt252 = 'CDC: jobs open';
pub const REASON_REQUIRED: felt252 = 'CDC: reason required';
pub const NO_REWARDS: felt252 = 'CDC: no rewards';
pub const TRANSFER_FAILED: felt252 = 'CDC: transfer failed';
pub const ZERO_ADDRESS: felt252 = 'CDC: zero address';
