//! Stake, unstake queue, slashing and reward balances of CdcPool workers, and the pool's token
//! movements. The entry points check pause state, roles and registration; these helpers do the
//! bookkeeping, move the tokens and emit the matching event.

use core::num::traits::SaturatingAdd;
use starknet::event::EventEmitter;
use starknet::storage::{StoragePathEntry, StoragePointerReadAccess, StoragePointerWriteAccess};
use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::CdcPool::ContractState;
use super::Errors;
use super::events::{RewardCredited, RewardsClaimed, Slashed, Staked, UnstakeRequested, Unstaked};
use super::registry::{RegistryTrait, SLASH_PENALTY};

#[generate_trait]
pub(crate) impl StakingImpl of StakingTrait {
    fn add_stake(ref self: ContractState, worker: ContractAddress, amount: u256) {
        assert(amount > 0, Errors::AMOUNT_ZERO);
        self.pull_tokens(worker, amount);
        let entry = self.workers.entry(worker);
        let total = entry.staked.read() + amount;
        entry.staked.write(total);
        self.emit(Staked { worker, amount, total });
    }

    fn queue_unstake(ref self: ContractState, worker: ContractAddress, amount: u256) {
        assert(amount > 0, Errors::AMOUNT_ZERO);
        let entry = self.workers.entry(worker);
        let staked = entry.staked.read();
        assert(amount <= staked, Errors::INSUFFICIENT_STAKE);
        // Topping up a pending request restarts the delay; otherwise a worker could queue a
        // tiny request early, then move its whole stake in and withdraw it at once.
        let available_at = get_block_timestamp().saturating_add(self.unstake_delay.read());
        entry.staked.write(staked - amount);
        entry.pending_unstake.write(entry.pending_unstake.read() + amount);
        entry.unstake_available_at.write(available_at);
        self.emit(UnstakeRequested { worker, amount, available_at });
    }

    fn release_unstaked(ref self: ContractState, worker: ContractAddress) -> u256 {
        let entry = self.workers.entry(worker);
        let amount = entry.pending_unstake.read();
        assert(amount > 0, Errors::NOTHING_TO_WITHDRAW);
        // An unstake requested under an assigned job would leave nothing to slash when it fails.
        assert(self.open_jobs.entry(worker).read() == 0, Errors::JOBS_OPEN);
        assert(get_block_timestamp() >= entry.unstake_available_at.read(), Errors::UNSTAKE_LOCKED);
        entry.pending_unstake.write(0);
        entry.unstake_available_at.write(0);
        self.push_tokens(worker, amount);
        self.emit(Unstaked { worker, amount });
        amount
    }

    /// Takes up to `amount` for the treasury, stake first, then pending unstake. A worker holding
    /// less loses all of it rather than reverting the slash; the event reports what was taken.
    fn slash_stake(
        ref self: ContractState, worker: ContractAddress, amount: u256, reason: felt252,
    ) {
        assert(amount > 0, Errors::AMOUNT_ZERO);
        let entry = self.workers.entry(worker);
        // Pending unstake is still slashable so that requesting an unstake is no escape.
        let staked = entry.staked.read();
        let from_stake = if amount < staked {
            amount
        } else {
            staked
        };
        let pending = entry.pending_unstake.read();
        let remainder = amount - from_stake;
        let from_pending = if remainder < pending {
            remainder
        } else {
            pending
        };
        let taken = from_stake + from_pending;
        entry.staked.write(staked - from_stake);
        entry.pending_unstake.write(pending - from_pending);
        entry.slashed_total.write(entry.slashed_total.read() + taken);
        self.lower_reputation(worker, SLASH_PENALTY);
        if taken > 0 {
            self.push_tokens(self.treasury.read(), taken);
        }
        self.emit(Slashed { worker, amount: taken, reason, slasher: get_caller_address() });
    }

    /// Pulls the reward from the caller in the same call, so the pool never owes more than it
    /// holds.
    fn credit(ref self: ContractState, worker: ContractAddress, amount: u256) {
        assert(amount > 0, Errors::AMOUNT_ZERO);
        self.pull_tokens(get_caller_address(), amount);
        let entry = self.workers.entry(worker);
        entry.pending_rewards.write(entry.pending_rewards.read() + amount);
        self.emit(RewardCredited { worker, amount });
    }

    fn pay_rewards(ref self: ContractState, worker: ContractAddress) -> u256 {
        let entry = self.workers.entry(worker);
        let amount = entry.pending_rewards.read();
        assert(amount > 0, Errors::NO_REWARDS);
        entry.pending_rewards.write(0);
        entry.total_claimed.write(entry.total_claimed.read() + amount);
        self.push_tokens(worker, amount);
        self.emit(RewardsClaimed { worker, amount });
        amount
    }

    fn pull_tokens(ref self: ContractState, from: ContractAddress, amount: u256) {
        let token = IERC20Dispatcher { contract_address: self.token.read() };
        let ok = token.transfer_from(from, get_contract_address(), amount);
        assert(ok, Errors::TRANSFER_FAILED);
    }

    fn push_tokens(ref self: ContractState, to: ContractAddress, amount: u256) {
        let token = IERC20Dispatcher { contract_address: self.token.read() };
        assert(token.transfer(to, amount), Errors::TRANSFER_FAILED);
    }
}
