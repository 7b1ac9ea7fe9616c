//! The pool's admin-set parameters. Each change emits ConfigUpdated with the parameter's
//! short-string name and the new value widened to u256, so one event type covers them all.

use core::num::traits::Zero;
use starknet::ContractAddress;
use starknet::event::EventEmitter;
use starknet::storage::StoragePointerWriteAccess;
use super::CdcPool::ContractState;
use super::Errors;
use super::events::ConfigUpdated;

#[generate_trait]
pub(crate) impl ConfigImpl of ConfigTrait {
    fn write_min_stake(ref self: ContractState, min_stake: u256) {
        self.min_stake.write(min_stake);
        self.emit(ConfigUpdated { param: 'min_stake', value: min_stake });
    }

    fn write_unstake_delay(ref self: ContractState, unstake_delay: u64) {
        self.unstake_delay.write(unstake_delay);
        self.emit(ConfigUpdated { param: 'unstake_delay', value: unstake_delay.into() });
    }

    fn write_heartbeat_timeout(ref self: ContractState, heartbeat_timeout: u64) {
        self.heartbeat_timeout.write(heartbeat_timeout);
        self.emit(ConfigUpdated { param: 'heartbeat_timeout', value: heartbeat_timeout.into() });
    }

    fn write_treasury(ref self: ContractState, treasury: ContractAddress) {
        assert(treasury.is_non_zero(), Errors::ZERO_ADDRESS);
        self.treasury.write(treasury);
        let as_felt: felt252 = treasury.into();
        self.emit(ConfigUpdated { param: 'treasury', value: as_felt.into() });
    }
}
