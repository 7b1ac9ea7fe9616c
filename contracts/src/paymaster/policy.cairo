//! Who may relay for whom and what: relayers, blacklist, account classes, the (target, selector)
//! allowlist and fee tokens (and paying collected fees out). The entry points gate the writers
//! with OPERATOR_ROLE (`send_fees` with DEFAULT_ADMIN_ROLE); relay.cairo decides the order in
//! which the checks run.

use starknet::account::Call;
use starknet::event::EventEmitter;
use starknet::storage::{StorageMapReadAccess, StorageMapWriteAccess};
use starknet::syscalls::get_class_hash_at_syscall;
use starknet::{ClassHash, ContractAddress, SyscallResultTrait, get_caller_address};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::Errors;
use super::Paymaster::ContractState;
use super::events::{
    AccountClassSet, AllowedCallSet, BlacklistUpdated, FeeTokenSet, FeesWithdrawn, RelayerAdded,
    RelayerRemoved,
};

/// Fee mode: the last call must be `fee_token.transfer(paymaster, amount)`.
pub(crate) fn assert_fee_call(
    calls: Span<Call>, fee_token: ContractAddress, paymaster: ContractAddress,
) {
    let fee_call: Call = *calls.at(calls.len() - 1);
    assert(
        fee_call.to == fee_token
            && fee_call.selector == selector!("transfer")
            && fee_call.calldata.len() == 3
            && *fee_call.calldata.at(0) == paymaster.into(),
        Errors::LAST_CALL_NOT_FEE,
    );
}

#[generate_trait]
pub(crate) impl RelayPolicyImpl of RelayPolicyTrait {
    /// Relayer, blacklist and account class; returns the relayer.
    fn assert_can_relay(self: @ContractState, account: ContractAddress) -> ContractAddress {
        let relayer = get_caller_address();
        assert(self.relayers.read(relayer), Errors::NOT_RELAYER);
        assert(!self.blacklisted.read(account), Errors::BLACKLISTED);
        // Only an allowed class is trusted to execute exactly the allowlisted `calls` (any
        // contract can implement execute_from_outside_v2). Undeployed reads as class 0.
        let class_hash = get_class_hash_at_syscall(account).unwrap_syscall();
        assert(self.account_classes.read(class_hash), Errors::ACCOUNT_CLASS_NOT_ALLOWED);
        relayer
    }

    fn assert_fee_token(self: @ContractState, token: ContractAddress) {
        assert(self.fee_tokens.read(token), Errors::FEE_TOKEN_UNSUPPORTED);
    }

    /// Checks the first `count` calls against the (target, selector) allowlist. An account
    /// revoking one of its own session keys needs no entry: no entry could name every user's
    /// account, and that call only takes a permission away (the account still checks its owner's
    /// and guardian's signatures before running it).
    fn assert_calls_allowed(
        self: @ContractState, account: ContractAddress, calls: Span<Call>, count: u32,
    ) {
        for i in 0..count {
            let call = calls.at(i);
            let own_revocation = *call.to == account && *call.selector == selector!("revoke_session");
            let allowed = own_revocation || self.allowed_calls.read((*call.to, *call.selector));
            assert(allowed, Errors::CALL_NOT_ALLOWED);
        }
    }

    fn write_relayer(ref self: ContractState, relayer: ContractAddress, active: bool) {
        self.relayers.write(relayer, active);
        if active {
            self.emit(RelayerAdded { relayer });
        } else {
            self.emit(RelayerRemoved { relayer });
        }
    }

    fn write_allowed_call(
        ref self: ContractState, target: ContractAddress, selector: felt252, allowed: bool,
    ) {
        self.allowed_calls.write((target, selector), allowed);
        self.emit(AllowedCallSet { target, selector, allowed });
    }

    fn write_blacklisted(ref self: ContractState, account: ContractAddress, blacklisted: bool) {
        self.blacklisted.write(account, blacklisted);
        self.emit(BlacklistUpdated { account, blacklisted });
    }

    fn write_fee_token(ref self: ContractState, token: ContractAddress, supported: bool) {
        self.fee_tokens.write(token, supported);
        self.emit(FeeTokenSet { token, supported });
    }

    fn send_fees(
        ref self: ContractState, token: ContractAddress, to: ContractAddress, amount: u256,
    ) {
        let ok = IERC20Dispatcher { contract_address: token }.transfer(to, amount);
        assert(ok, Errors::TRANSFER_FAILED);
        self.emit(FeesWithdrawn { token, to, amount });
    }

    fn write_account_class(ref self: ContractState, class_hash: ClassHash, allowed: bool) {
        self.account_classes.write(class_hash, allowed);
        self.emit(AccountClassSet { class_hash, allowed });
    }
}
