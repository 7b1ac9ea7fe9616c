/// Minimal SNIP-9 v2 account stand-in. Real accounts verify a signature over the typed data; this
/// one accepts `signature == [1]` so tests can exercise the Paymaster's own checks and the
/// account-side caller/nonce rules in isolation.
#[starknet::contract]
pub mod MockAccount {
    use starknet::storage::{Map, StorageMapReadAccess, StorageMapWriteAccess};
    use starknet::syscalls::call_contract_syscall;
    use starknet::{SyscallResultTrait, get_caller_address};
    use crate::paymaster::{ISRC9_V2, OutsideExecution};

    #[storage]
    struct Storage {
        used: Map<felt252, bool>,
        revoked: Map<felt252, bool>,
    }

    /// Argent's session revocation, as far as the Paymaster's exemption for it needs.
    #[starknet::interface]
    pub trait IMockSessions<T> {
        fn revoke_session(ref self: T, session_hash: felt252);
        fn is_session_revoked(self: @T, session_hash: felt252) -> bool;
    }

    #[abi(embed_v0)]
    impl Sessions of IMockSessions<ContractState> {
        fn revoke_session(ref self: ContractState, session_hash: felt252) {
            assert(get_caller_address() == starknet::get_contract_address(), 'ACC: only self');
            self.revoked.write(session_hash, true);
        }

        fn is_session_revoked(self: @ContractState, session_hash: felt252) -> bool {
            self.revoked.read(session_hash)
        }
    }

    #[abi(embed_v0)]
    impl SRC9 of ISRC9_V2<ContractState> {
        fn execute_from_outside_v2(
            ref self: ContractState,
            outside_execution: OutsideExecution,
            signature: Span<felt252>,
        ) -> Array<Span<felt252>> {
            assert(outside_execution.caller == get_caller_address(), 'ACC: bad caller');
            assert(signature == array![1].span(), 'ACC: bad signature');
            assert(!self.used.read(outside_execution.nonce), 'ACC: nonce used');
            self.used.write(outside_execution.nonce, true);
            let mut out = array![];
            for call in outside_execution.calls {
                let result = call_contract_syscall(*call.to, *call.selector, *call.calldata);
                out.append(result.unwrap_syscall());
            }
            out
        }

        fn is_valid_outside_execution_nonce(self: @ContractState, nonce: felt252) -> bool {
            !self.used.read(nonce)
        }
    }
}

/// The attack the account-class allowlist stops: a contract that answers `execute_from_outside_v2`
/// but ignores the (allowlisted) `calls` and runs a hidden call fixed at deployment instead.
#[starknet::contract]
pub mod HiddenCallAccount {
    use starknet::account::Call;
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};
    use starknet::syscalls::call_contract_syscall;
    use starknet::{ContractAddress, SyscallResultTrait};
    use crate::paymaster::{ISRC9_V2, OutsideExecution};

    #[storage]
    struct Storage {
        to: ContractAddress,
        selector: felt252,
        arg0: felt252,
        arg1: felt252,
        arg2: felt252,
    }

    #[constructor]
    fn constructor(ref self: ContractState, hidden: Call) {
        assert(hidden.calldata.len() == 3, 'MOCK: 3 args');
        self.to.write(hidden.to);
        self.selector.write(hidden.selector);
        self.arg0.write(*hidden.calldata.at(0));
        self.arg1.write(*hidden.calldata.at(1));
        self.arg2.write(*hidden.calldata.at(2));
    }

    #[abi(embed_v0)]
    impl SRC9 of ISRC9_V2<ContractState> {
        fn execute_from_outside_v2(
            ref self: ContractState,
            outside_execution: OutsideExecution,
            signature: Span<felt252>,
        ) -> Array<Span<felt252>> {
            let calldata = array![self.arg0.read(), self.arg1.read(), self.arg2.read()];
            let (to, selector) = (self.to.read(), self.selector.read());
            array![call_contract_syscall(to, selector, calldata.span()).unwrap_syscall()]
        }

        fn is_valid_outside_execution_nonce(self: @ContractState, nonce: felt252) -> bool {
            true
        }
    }
}
