//! Time-locked in-place upgrades via replace_class. Whoever may upgrade can swap the code behind
//! the address and thereby take every asset the contract controls, so an upgrade is announced
//! first (`schedule_upgrade`) and can only run once the delay has passed: users get that long to
//! see the new class hash and leave.
//!
//! The component holds the entry points but not the role check: a contract embedding
//! `UpgradeableImpl` must implement `UpgradeAuthority` (all four CIRO contracts: DEFAULT_ADMIN_ROLE),
//! so it cannot expose them without saying who may call them.
//!
//! Changing the delay cannot shorten the wait for anything already announced or about to be:
//! - `ready_at` is fixed when the upgrade is scheduled; a later delay change does not move it.
//! - A longer delay applies at once (it only makes future schedules slower).
//! - A shorter delay applies only after the delay in force when it was requested, so "lower the
//!   delay, then schedule" is never faster than scheduling right away: every upgrade is preceded
//!   by a public event at least `upgrade_delay()` (as it stood at that event) ahead of it.

use starknet::ClassHash;

/// The delay of a contract whose admin never called `set_upgrade_delay` (also of a contract
/// upgraded into this code from one without a schedule): two days.
pub const DEFAULT_UPGRADE_DELAY: u64 = 172_800;
/// Upper bound for `set_upgrade_delay`, so `now + delay` cannot overflow and a fat-fingered delay
/// cannot lock upgrades away for good: 365 days.
pub const MAX_UPGRADE_DELAY: u64 = 31_536_000;

/// The upgrade announced by `schedule_upgrade`; all zero when none is pending.
#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct ScheduledUpgrade {
    pub class_hash: ClassHash,
    pub ready_at: u64,
}

/// A requested shorter delay and when it takes over; all zero when none is pending.
#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct PendingUpgradeDelay {
    pub delay: u64,
    pub effective_at: u64,
}

#[starknet::interface]
pub trait IUpgradeable<TState> {
    /// Runs the scheduled upgrade to exactly `new_class_hash` once its `ready_at` has passed.
    fn upgrade(ref self: TState, new_class_hash: ClassHash);
    /// Announces an upgrade, ready at now + `upgrade_delay()`; replaces a pending one.
    fn schedule_upgrade(ref self: TState, new_class_hash: ClassHash);
    fn cancel_upgrade(ref self: TState);
    fn set_upgrade_delay(ref self: TState, delay_seconds: u64);
    /// The delay a `schedule_upgrade` sent now would get.
    fn upgrade_delay(self: @TState) -> u64;
    fn scheduled_upgrade(self: @TState) -> ScheduledUpgrade;
    fn pending_upgrade_delay(self: @TState) -> PendingUpgradeDelay;
}

/// Who may schedule, run and cancel upgrades and change the delay; each contract decides.
pub trait UpgradeAuthority<TContractState> {
    fn assert_can_upgrade(self: @TContractState);
}

/// SRC-5 id of `IUpgradeable` (the XOR of its seven extended signatures, see
/// src/tests/test_src5.cairo). test/contracts/src5.test.ts recomputes it from the compiled ABI.
pub const IUPGRADEABLE_ID: felt252 =
    0x133a0bd57f09a41914ae848bc7215be017d9371abb269743239a6ba00843b25;

pub mod Errors {
    pub const CLASS_HASH_ZERO: felt252 = 'UPG: class hash zero';
    pub const NOT_SCHEDULED: felt252 = 'UPG: not scheduled';
    pub const NOT_READY: felt252 = 'UPG: not ready';
    pub const DELAY_TOO_LONG: felt252 = 'UPG: delay too long';
}

#[starknet::component]
pub mod UpgradeableComponent {
    use core::num::traits::Zero;
    use starknet::storage::{StoragePointerReadAccess, StoragePointerWriteAccess};
    use starknet::syscalls::replace_class_syscall;
    use starknet::{ClassHash, SyscallResultTrait, get_block_timestamp};
    use super::{
        DEFAULT_UPGRADE_DELAY, Errors, IUpgradeable, MAX_UPGRADE_DELAY, PendingUpgradeDelay,
        ScheduledUpgrade, UpgradeAuthority,
    };

    #[storage]
    pub struct Storage {
        // None until the admin sets one, so that the default also covers contracts whose storage
        // predates the schedule.
        UPG_delay: Option<u64>,
        UPG_pending_delay: PendingUpgradeDelay,
        UPG_scheduled: ScheduledUpgrade,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        Upgraded: Upgraded,
        UpgradeScheduled: UpgradeScheduled,
        UpgradeCancelled: UpgradeCancelled,
        UpgradeDelaySet: UpgradeDelaySet,
    }

    #[derive(Drop, starknet::Event)]
    pub struct Upgraded {
        pub class_hash: ClassHash,
    }

    #[derive(Drop, starknet::Event)]
    pub struct UpgradeScheduled {
        #[key]
        pub class_hash: ClassHash,
        pub ready_at: u64,
    }

    /// Also emitted for a pending upgrade that a new `schedule_upgrade` replaces.
    #[derive(Drop, starknet::Event)]
    pub struct UpgradeCancelled {
        #[key]
        pub class_hash: ClassHash,
    }

    /// `effective_at` is the block time for a longer (or equal) delay, later for a shorter one.
    #[derive(Drop, starknet::Event)]
    pub struct UpgradeDelaySet {
        pub delay: u64,
        pub effective_at: u64,
    }

    #[embeddable_as(UpgradeableImpl)]
    impl Upgradeable<
        TContractState, +HasComponent<TContractState>, +UpgradeAuthority<TContractState>,
    > of IUpgradeable<ComponentState<TContractState>> {
        fn upgrade(ref self: ComponentState<TContractState>, new_class_hash: ClassHash) {
            self.get_contract().assert_can_upgrade();
            assert(new_class_hash.is_non_zero(), Errors::CLASS_HASH_ZERO);
            let scheduled = self.UPG_scheduled.read();
            assert(scheduled.class_hash == new_class_hash, Errors::NOT_SCHEDULED);
            assert(get_block_timestamp() >= scheduled.ready_at, Errors::NOT_READY);
            // One announcement buys one upgrade; going back needs a schedule of its own.
            self.UPG_scheduled.write(none_scheduled());
            replace_class_syscall(new_class_hash).unwrap_syscall();
            // replace_class takes effect once this call returns, so the old code emits the event.
            self.emit(Upgraded { class_hash: new_class_hash });
        }

        fn schedule_upgrade(ref self: ComponentState<TContractState>, new_class_hash: ClassHash) {
            self.get_contract().assert_can_upgrade();
            assert(new_class_hash.is_non_zero(), Errors::CLASS_HASH_ZERO);
            let previous = self.UPG_scheduled.read().class_hash;
            if previous.is_non_zero() {
                self.emit(UpgradeCancelled { class_hash: previous });
            }
            let ready_at = get_block_timestamp() + self.delay_now();
            self.UPG_scheduled.write(ScheduledUpgrade { class_hash: new_class_hash, ready_at });
            self.emit(UpgradeScheduled { class_hash: new_class_hash, ready_at });
        }

        fn cancel_upgrade(ref self: ComponentState<TContractState>) {
            self.get_contract().assert_can_upgrade();
            let class_hash = self.UPG_scheduled.read().class_hash;
            assert(class_hash.is_non_zero(), Errors::NOT_SCHEDULED);
            self.UPG_scheduled.write(none_scheduled());
            self.emit(UpgradeCancelled { class_hash });
        }

        fn set_upgrade_delay(ref self: ComponentState<TContractState>, delay_seconds: u64) {
            self.get_contract().assert_can_upgrade();
            assert(delay_seconds <= MAX_UPGRADE_DELAY, Errors::DELAY_TOO_LONG);
            let now = get_block_timestamp();
            let current = self.delay_now();
            let no_pending = PendingUpgradeDelay { delay: 0, effective_at: 0 };
            if delay_seconds >= current {
                self.UPG_delay.write(Some(delay_seconds));
                self.UPG_pending_delay.write(no_pending);
                self.emit(UpgradeDelaySet { delay: delay_seconds, effective_at: now });
            } else {
                // `current` may come from a shorter delay that has already matured; it becomes
                // the base before the new request replaces that one.
                self.UPG_delay.write(Some(current));
                let effective_at = now + current;
                self.UPG_pending_delay.write(PendingUpgradeDelay { delay: delay_seconds, effective_at });
                self.emit(UpgradeDelaySet { delay: delay_seconds, effective_at });
            }
        }

        fn upgrade_delay(self: @ComponentState<TContractState>) -> u64 {
            self.delay_now()
        }

        fn scheduled_upgrade(self: @ComponentState<TContractState>) -> ScheduledUpgrade {
            self.UPG_scheduled.read()
        }

        fn pending_upgrade_delay(self: @ComponentState<TContractState>) -> PendingUpgradeDelay {
            let pending = self.UPG_pending_delay.read();
            if pending.effective_at > get_block_timestamp() {
                pending
            } else {
                PendingUpgradeDelay { delay: 0, effective_at: 0 }
            }
        }
    }

    fn none_scheduled() -> ScheduledUpgrade {
        ScheduledUpgrade { class_hash: Zero::zero(), ready_at: 0 }
    }

    #[generate_trait]
    impl DelayImpl<
        TContractState, +HasComponent<TContractState>,
    > of DelayTrait<TContractState> {
        /// A shorter delay counts only from its `effective_at`; nothing writes it in then, so
        /// every reader resolves it here.
        fn delay_now(self: @ComponentState<TContractState>) -> u64 {
            let pending = self.UPG_pending_delay.read();
            if pending.effective_at != 0 && get_block_timestamp() >= pending.effective_at {
                pending.delay
            } else {
                self.UPG_delay.read().unwrap_or(DEFAULT_UPGRADE_DELAY)
            }
        }
    }
}
