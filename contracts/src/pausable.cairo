//! Emergency stop. The component keeps the flag and emits the events; it does not know who may
//! flip it. A contract that embeds `PausableImpl` implements `PauseAuthority` (the three CIRO
//! contracts: PAUSER_ROLE) and decides which of its entry points honour the flag (each reverts with
//! its own prefixed message: 'CDC: paused', 'JOB: paused', 'PM: paused'). It also counts the
//! seconds spent paused (`paused_seconds`), so a contract can give back the time a pause took from
//! a deadline it set.

#[starknet::interface]
pub trait IPausable<TState> {
    fn pause(ref self: TState);
    fn unpause(ref self: TState);
    fn is_paused(self: @TState) -> bool;
}

/// Who may pause and unpause; each contract decides.
pub trait PauseAuthority<TContractState> {
    fn assert_can_pause(self: @TContractState);
}

/// SRC-5 id of `IPausable`: XOR of the starknet_keccak of `pause()`, `unpause()` and
/// `is_paused()->E((),())`. test/contracts/src5.test.ts recomputes it from the compiled ABI.
pub const IPAUSABLE_ID: felt252 = 0x28d42cb75dcac7de00ec6e3d0ff8e423649662da39b910fb67dc4c788c73c09;

pub mod Errors {
    pub const ALREADY_PAUSED: felt252 = 'PAUSE: already paused';
    pub const NOT_PAUSED: felt252 = 'PAUSE: not paused';
}

#[starknet::component]
pub mod PausableComponent {
    use core::num::traits::SaturatingSub;
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address};
    use super::{Errors, IPausable, PauseAuthority};

    #[storage]
    pub struct Storage {
        Pausable_paused: bool,
        /// The block timestamp + 1 when the current pause began (so a pause at timestamp 0 counts);
        /// 0 when none is counted (a pause begun before this field existed).
        Pausable_pause_began: u64,
        /// Seconds spent in pauses that have ended.
        Pausable_paused_total: u64,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        Paused: Paused,
        Unpaused: Unpaused,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Paused {
        pub account: ContractAddress,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Unpaused {
        pub account: ContractAddress,
    }

    #[embeddable_as(PausableImpl)]
    impl Pausable<
        TContractState, +HasComponent<TContractState>, +PauseAuthority<TContractState>,
    > of IPausable<ComponentState<TContractState>> {
        fn pause(ref self: ComponentState<TContractState>) {
            self.get_contract().assert_can_pause();
            self._pause();
        }

        fn unpause(ref self: ComponentState<TContractState>) {
            self.get_contract().assert_can_pause();
            self._unpause();
        }

        fn is_paused(self: @ComponentState<TContractState>) -> bool {
            self.Pausable_paused.read()
        }
    }

    /// No access check in here: `PausableImpl` gates `_pause` and `_unpause` with `PauseAuthority`.
    #[generate_trait]
    pub impl InternalImpl<
        TContractState, +HasComponent<TContractState>,
    > of InternalTrait<TContractState> {
        /// `error` is the caller's own prefixed reason, so a revert names the contract it hit.
        fn assert_not_paused(self: @ComponentState<TContractState>, error: felt252) {
            assert(!self.Pausable_paused.read(), error);
        }

        /// Seconds spent paused so far, the current pause included: never decreases.
        fn paused_seconds(self: @ComponentState<TContractState>) -> u64 {
            let began = self.Pausable_pause_began.read();
            let current = if self.Pausable_paused.read() && began != 0 {
                (get_block_timestamp() + 1).saturating_sub(began)
            } else {
                0
            };
            self.Pausable_paused_total.read() + current
        }

        fn _pause(ref self: ComponentState<TContractState>) {
            assert(!self.Pausable_paused.read(), Errors::ALREADY_PAUSED);
            self.Pausable_paused.write(true);
            self.Pausable_pause_began.write(get_block_timestamp() + 1);
            self.emit(Paused { account: get_caller_address() });
        }

        fn _unpause(ref self: ComponentState<TContractState>) {
            assert(self.Pausable_paused.read(), Errors::NOT_PAUSED);
            self.Pausable_paused_total.write(self.paused_seconds());
            self.Pausable_pause_began.write(0);
            self.Pausable_paused.write(false);
            self.emit(Unpaused { account: get_caller_address() });
        }
    }
}
