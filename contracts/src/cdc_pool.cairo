//! CdcPool: registry of compute workers, their CIRO stake, reputation and job rewards.
//!
//! Token custody: the pool holds every worker's stake, pending unstake and pending rewards.
//! Rewards are only ever credited together with a transfer_from of the same amount, so the
//! pool's balance always covers what it owes.

pub mod events;
pub mod interface;
pub use interface::{ICdcPool, ICdcPoolDispatcher, ICdcPoolDispatcherTrait, WorkerInfo};

pub mod Errors {
    pub const PAUSED: felt252 = 'CDC: paused';
    pub const ALREADY_REGISTERED: felt252 = 'CDC: already registered';
    pub const NOT_REGISTERED: felt252 = 'CDC: not registered';
    pub const AMOUNT_ZERO: felt252 = 'CDC: amount zero';
    pub const INSUFFICIENT_STAKE: felt252 = 'CDC: insufficient stake';
    pub const NOTHING_TO_WITHDRAW: felt252 = 'CDC: nothing to withdraw';
    pub const UNSTAKE_LOCKED: felt252 = 'CDC: unstake locked';
    pub const REASON_REQUIRED: felt252 = 'CDC: reason required';
    pub const NO_REWARDS: felt252 = 'CDC: no rewards';
    pub const TRANSFER_FAILED: felt252 = 'CDC: transfer failed';
    pub const ZERO_ADDRESS: felt252 = 'CDC: zero address';
}

pub const INITIAL_REPUTATION: u32 = 500;
pub const MAX_REPUTATION: u32 = 1000;
pub const SUCCESS_BONUS: u32 = 10;
pub const FAILURE_PENALTY: u32 = 50;
pub const SLASH_PENALTY: u32 = 100;
pub const MAX_PAGE: u32 = 100;

#[starknet::contract]
pub mod CdcPool {
    use core::num::traits::{SaturatingAdd, Zero};
    use starknet::storage::{
        Map, MutableVecTrait, StoragePathEntry, StoragePointerReadAccess,
        StoragePointerWriteAccess, Vec, VecTrait,
    };
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address};
    use crate::access::{
        AccessControlComponent, DEFAULT_ADMIN_ROLE, JOB_MANAGER_ROLE, PAUSER_ROLE, SLASHER_ROLE,
    };
    use crate::pausable::PausableComponent;
    use crate::src5::SRC5Component;
    use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::upgrade::UpgradeableComponent;
    use super::events::*;
    use super::{
        Errors, FAILURE_PENALTY, ICdcPool, INITIAL_REPUTATION, MAX_PAGE, MAX_REPUTATION,
        SLASH_PENALTY, SUCCESS_BONUS, WorkerInfo,
    };

    component!(path: AccessControlComponent, storage: access, event: AccessEvent);
    component!(path: SRC5Component, storage: src5, event: SRC5Event);
    component!(path: UpgradeableComponent, storage: upgradeable, event: UpgradeableEvent);
    component!(path: PausableComponent, storage: pausable, event: PausableEvent);

    #[abi(embed_v0)]
    impl AccessControlImpl =
        AccessControlComponent::AccessControlImpl<ContractState>;
    #[abi(embed_v0)]
    impl SRC5Impl = SRC5Component::SRC5Impl<ContractState>;
    #[abi(embed_v0)]
    impl UpgradeableImpl = UpgradeableComponent::UpgradeableImpl<ContractState>;
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl AccessInternal = AccessControlComponent::InternalImpl<ContractState>;
    impl PausableInternal = PausableComponent::InternalImpl<ContractState>;

    #[storage]
    struct Storage {
        token: ContractAddress,
        treasury: ContractAddress,
        min_stake: u256,
        unstake_delay: u64,
        heartbeat_timeout: u64,
        workers: Map<ContractAddress, WorkerInfo>,
        worker_list: Vec<ContractAddress>,
        #[substorage(v0)]
        access: AccessControlComponent::Storage,
        #[substorage(v0)]
        src5: SRC5Component::Storage,
        #[substorage(v0)]
        upgradeable: UpgradeableComponent::Storage,
        #[substorage(v0)]
        pausable: PausableComponent::Storage,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        WorkerRegistered: WorkerRegistered,
        CapabilitiesUpdated: CapabilitiesUpdated,
        Staked: Staked,
        UnstakeRequested: UnstakeRequested,
        Unstaked: Unstaked,
        Heartbeat: Heartbeat,
        Slashed: Slashed,
        ReputationUpdated: ReputationUpdated,
        RewardCredited: RewardCredited,
        RewardsClaimed: RewardsClaimed,
        ConfigUpdated: ConfigUpdated,
        #[flat]
        AccessEvent: AccessControlComponent::Event,
        #[flat]
        SRC5Event: SRC5Component::Event,
        #[flat]
        UpgradeableEvent: UpgradeableComponent::Event,
        #[flat]
        PausableEvent: PausableComponent::Event,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        admin: ContractAddress,
        token: ContractAddress,
        min_stake: u256,
        unstake_delay: u64,
        heartbeat_timeout: u64,
    ) {
        assert(token.is_non_zero(), Errors::ZERO_ADDRESS);
        self.token.write(token);
        self.treasury.write(admin);
        self.min_stake.write(min_stake);
        self.unstake_delay.write(unstake_delay);
        self.heartbeat_timeout.write(heartbeat_timeout);
        self.access._grant_role(DEFAULT_ADMIN_ROLE, admin);
        self.access._grant_role(PAUSER_ROLE, admin);
        self.access._grant_role(SLASHER_ROLE, admin);
        self.access._grant_role(JOB_MANAGER_ROLE, admin);
    }

    #[abi(embed_v0)]
    impl CdcPoolImpl of ICdcPool<ContractState> {
        fn register_worker(ref self: ContractState, capabilities: u64) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = get_caller_address();
            let entry = self.workers.entry(worker);
            assert(!entry.registered.read(), Errors::ALREADY_REGISTERED);
            let now = get_block_timestamp();
            entry.registered.write(true);
            entry.capabilities.write(capabilities);
            entry.reputation.write(INITIAL_REPUTATION);
            entry.registered_at.write(now);
            self.worker_list.push(worker);
            self.emit(WorkerRegistered { worker, capabilities });
        }

        fn update_capabilities(ref self: ContractState, capabilities: u64) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.workers.entry(worker).capabilities.write(capabilities);
            self.emit(CapabilitiesUpdated { worker, capabilities });
        }

        fn stake(ref self: ContractState, amount: u256) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            assert(amount > 0, Errors::AMOUNT_ZERO);
            self.pull_tokens(worker, amount);
            let entry = self.workers.entry(worker);
            let total = entry.staked.read() + amount;
            entry.staked.write(total);
            self.emit(Staked { worker, amount, total });
        }

        fn request_unstake(ref self: ContractState, amount: u256) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
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

        fn withdraw_unstaked(ref self: ContractState) -> u256 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            let entry = self.workers.entry(worker);
            let amount = entry.pending_unstake.read();
            assert(amount > 0, Errors::NOTHING_TO_WITHDRAW);
            assert(
                get_block_timestamp() >= entry.unstake_available_at.read(), Errors::UNSTAKE_LOCKED,
            );
            entry.pending_unstake.write(0);
            entry.unstake_available_at.write(0);
            self.push_tokens(worker, amount);
            self.emit(Unstaked { worker, amount });
            amount
        }

        fn heartbeat(ref self: ContractState) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            let timestamp = get_block_timestamp();
            self.workers.entry(worker).last_heartbeat.write(timestamp);
            self.emit(Heartbeat { worker, timestamp });
        }

        fn claim_rewards(ref self: ContractState) -> u256 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            let entry = self.workers.entry(worker);
            let amount = entry.pending_rewards.read();
            assert(amount > 0, Errors::NO_REWARDS);
            entry.pending_rewards.write(0);
            entry.total_claimed.write(entry.total_claimed.read() + amount);
            self.push_tokens(worker, amount);
            self.emit(RewardsClaimed { worker, amount });
            amount
        }

        // Deliberately not pausable: slashing must stay possible during an incident.
        fn slash(ref self: ContractState, worker: ContractAddress, amount: u256, reason: felt252) {
            self.access.assert_only_role(SLASHER_ROLE);
            assert(reason != 0, Errors::REASON_REQUIRED);
            self.assert_registered(worker);
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

        // Not pausable: JobMgr calls this from expire/dispute paths that refund clients.
        fn record_job_outcome(ref self: ContractState, worker: ContractAddress, success: bool) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.assert_registered(worker);
            let entry = self.workers.entry(worker);
            if success {
                entry.jobs_completed.write(entry.jobs_completed.read() + 1);
                let old = entry.reputation.read();
                let new = if MAX_REPUTATION - old < SUCCESS_BONUS {
                    MAX_REPUTATION
                } else {
                    old + SUCCESS_BONUS
                };
                self.set_reputation(worker, old, new);
            } else {
                entry.jobs_failed.write(entry.jobs_failed.read() + 1);
                self.lower_reputation(worker, FAILURE_PENALTY);
            }
        }

        fn credit_reward(ref self: ContractState, worker: ContractAddress, amount: u256) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.assert_registered(worker);
            assert(amount > 0, Errors::AMOUNT_ZERO);
            self.pull_tokens(get_caller_address(), amount);
            let entry = self.workers.entry(worker);
            entry.pending_rewards.write(entry.pending_rewards.read() + amount);
            self.emit(RewardCredited { worker, amount });
        }

        fn set_min_stake(ref self: ContractState, min_stake: u256) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.min_stake.write(min_stake);
            self.emit(ConfigUpdated { param: 'min_stake', value: min_stake });
        }

        fn set_unstake_delay(ref self: ContractState, unstake_delay: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.unstake_delay.write(unstake_delay);
            self.emit(ConfigUpdated { param: 'unstake_delay', value: unstake_delay.into() });
        }

        fn set_heartbeat_timeout(ref self: ContractState, heartbeat_timeout: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.heartbeat_timeout.write(heartbeat_timeout);
            self
                .emit(
                    ConfigUpdated { param: 'heartbeat_timeout', value: heartbeat_timeout.into() },
                );
        }

        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            assert(treasury.is_non_zero(), Errors::ZERO_ADDRESS);
            self.treasury.write(treasury);
            let as_felt: felt252 = treasury.into();
            self.emit(ConfigUpdated { param: 'treasury', value: as_felt.into() });
        }

        fn get_worker(self: @ContractState, worker: ContractAddress) -> WorkerInfo {
            self.workers.entry(worker).read()
        }

        fn get_reputation(self: @ContractState, worker: ContractAddress) -> u32 {
            self.workers.entry(worker).reputation.read()
        }

        fn pending_rewards(self: @ContractState, worker: ContractAddress) -> u256 {
            self.workers.entry(worker).pending_rewards.read()
        }

        fn is_active_worker(self: @ContractState, worker: ContractAddress) -> bool {
            let entry = self.workers.entry(worker);
            entry.registered.read() && entry.staked.read() >= self.min_stake.read()
        }

        fn is_online(self: @ContractState, worker: ContractAddress) -> bool {
            if !self.is_active_worker(worker) {
                return false;
            }
            let timeout = self.heartbeat_timeout.read();
            if timeout == 0 {
                return true;
            }
            // A worker that never sent a heartbeat is not online, whatever the clock says.
            let last = self.workers.entry(worker).last_heartbeat.read();
            let now = get_block_timestamp();
            last != 0 && now >= last && now - last <= timeout
        }

        fn worker_count(self: @ContractState) -> u64 {
            self.worker_list.len()
        }

        fn get_workers(self: @ContractState, offset: u64, limit: u32) -> Array<ContractAddress> {
            let mut out = array![];
            let len = self.worker_list.len();
            let capped: u64 = if limit > MAX_PAGE {
                MAX_PAGE.into()
            } else {
                limit.into()
            };
            let mut i = offset;
            while i < len && i - offset < capped {
                out.append(self.worker_list.at(i).read());
                i += 1;
            }
            out
        }

        fn min_stake(self: @ContractState) -> u256 {
            self.min_stake.read()
        }

        fn unstake_delay(self: @ContractState) -> u64 {
            self.unstake_delay.read()
        }

        fn heartbeat_timeout(self: @ContractState) -> u64 {
            self.heartbeat_timeout.read()
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }

        fn treasury(self: @ContractState) -> ContractAddress {
            self.treasury.read()
        }
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn assert_registered(self: @ContractState, worker: ContractAddress) -> ContractAddress {
            assert(self.workers.entry(worker).registered.read(), Errors::NOT_REGISTERED);
            worker
        }

        fn lower_reputation(ref self: ContractState, worker: ContractAddress, penalty: u32) {
            let old = self.workers.entry(worker).reputation.read();
            let new = if old > penalty {
                old - penalty
            } else {
                0
            };
            self.set_reputation(worker, old, new);
        }

        fn set_reputation(ref self: ContractState, worker: ContractAddress, old: u32, new: u32) {
            if old != new {
                self.workers.entry(worker).reputation.write(new);
                self.emit(ReputationUpdated { worker, old, new });
            }
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
}
