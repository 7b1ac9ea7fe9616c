//! Revert reasons of the Paymaster, in the order the execute entry points check them
//! (the full table is in contracts/README.md).

pub const PAUSED: felt252 = 'PM: paused';
pub const NOT_RELAYER: felt252 = 'PM: caller not relayer';
pub const BLACKLISTED: felt252 = 'PM: account blacklisted';
pub const ACCOUNT_CLASS_NOT_ALLOWED: felt252 = 'PM: account class not allowed';
pub const NO_CALLS: felt252 = 'PM: no calls';
pub const FEE_TOKEN_UNSUPPORTED: felt252 = 'PM: fee token unsupported';
pub const FEE_AMOUNT_ZERO: felt252 = 'PM: fee amount zero';
pub const LAST_CALL_NOT_FEE: felt252 = 'PM: last call not fee transfer';
pub const CALL_NOT_ALLOWED: felt252 = 'PM: call not allowed';
pub const NONCE_USED: felt252 = 'PM: nonce already used';
pub const QUOTA_EXCEEDED: felt252 = 'PM: quota exceeded';
pub const FEE_NOT_PAID: felt252 = 'PM: fee not paid';
// withdraw_fees only.
pub const TRANSFER_FAILED: felt252 = 'PM: transfer failed';
// Configuration: a zero period would restart on every transaction, so the max would bind nothing.
pub const TIER_PERIOD_ZERO: felt252 = 'PM: tier period zero';
pub const TIER_NOT_SET: felt252 = 'PM: tier not set';
