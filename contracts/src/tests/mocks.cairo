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
