use starknet::{ClassHash, ContractAddress};
use starknet::account::Call;

/// SNIP-9 v2 outside execution. Field order and types define the Serde layout the account
/// expects in `execute_from_outside_v2`; do not reorder.
#[derive(Drop, Copy, Serde, Debug)]
pub struct OutsideExecution {
    pub caller: ContractAddress,
    pub nonce: felt252,
    pub execute_after: u64,
    pub execute_before: u64,
    pub calls: Span<Call>,
}

/// The account-side SNIP-9 v2 entry points (implemented by OpenZeppelin / Argent / Braavos
/// accounts); the Paymaster only dispatches to them.
#[starknet::interface]
pub trait ISRC9_V2<TState> {
    fn execute_from_outside_v2(
        ref self: TState, outside_execution: OutsideExecution, signature: Span<felt252>,
    ) -> Array<Span<felt252>>;
    fn is_valid_outside_execution_nonce(self: @TState, nonce: felt252) -> bool;
}

#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct TierConfig {
    pub max_txs_per_period: u32,
    pub period_seconds: u64,
}

#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct AccountUsage {
    pub tier: u8,
    /// None: the tier's max applies. Some(0) sponsors nothing, whatever the tier says.
    pub allowance_override: Option<u32>,
    pub period_start: u64,
    pub txs_in_period: u32,
    pub total_sponsored: u64,
}

/// SRC-5 id of `IPaymaster` (SNIP-5: XOR of the starknet_keccak of each function's extended
/// signature). test/contracts/src5.test.ts derives it from the compiled ABI and checks this value.
pub const IPAYMASTER_ID: felt252 =
    0x306da8d78ba960670e38b3d2602df2f2bdf3f7b52b686fb687fdb011fb4698d;

#[starknet::interface]
pub trait IPaymaster<TState> {
    fn execute_sponsored(
        ref self: TState,
        account: ContractAddress,
        outside_execution: OutsideExecution,
        signature: Span<felt252>,
    ) -> Array<Span<felt252>>;
    fn execute_with_fee(
        ref self: TState,
        account: ContractAddress,
        outside_execution: OutsideExecution,
        signature: Span<felt252>,
        fee_token: ContractAddress,
        fee_amount: u256,
    ) -> Array<Span<felt252>>;

    // OPERATOR_ROLE configuration.
    fn add_relayer(ref self: TState, relayer: ContractAddress);
    fn remove_relayer(ref self: TState, relayer: ContractAddress);
    fn set_allowed_call(
        ref self: TState, target: ContractAddress, selector: felt252, allowed: bool,
    );
    fn set_blacklisted(ref self: TState, account: ContractAddress, blacklisted: bool);
    fn set_fee_token(ref self: TState, token: ContractAddress, supported: bool);
    fn set_tier(ref self: TState, tier: u8, max_txs_per_period: u32, period_seconds: u64);
    fn set_account_tier(ref self: TState, account: ContractAddress, tier: u8);
    fn set_account_allowance(ref self: TState, account: ContractAddress, max_txs_per_period: u32);
    /// Drops the account's own allowance, so its tier's max applies again.
    fn clear_account_allowance(ref self: TState, account: ContractAddress);
    /// Account classes the Paymaster relays to (checked via get_class_hash_at on each execute).
    fn set_account_class(ref self: TState, class_hash: ClassHash, allowed: bool);

    // DEFAULT_ADMIN_ROLE.
    fn withdraw_fees(ref self: TState, token: ContractAddress, to: ContractAddress, amount: u256);

    // Views.
    fn is_relayer(self: @TState, addr: ContractAddress) -> bool;
    fn is_allowed_call(self: @TState, target: ContractAddress, selector: felt252) -> bool;
    fn is_blacklisted(self: @TState, account: ContractAddress) -> bool;
    fn is_fee_token(self: @TState, token: ContractAddress) -> bool;
    fn is_account_class(self: @TState, class_hash: ClassHash) -> bool;
    fn get_tier(self: @TState, tier: u8) -> TierConfig;
    fn get_account(self: @TState, account: ContractAddress) -> AccountUsage;
    /// How many more sponsored transactions `account` may relay this period, counted as the next
    /// one will be (its allowance or its tier's maximum, a period that has ended counting as reset).
    fn quota_left(self: @TState, account: ContractAddress) -> u32;
    fn total_sponsored(self: @TState) -> u64;
}
