//! Worker registry of CdcPool: registration, capabilities, heartbeats, reputation and paging.
//! The entry points check pause state, roles and registration first; these helpers keep the
//! worker records consistent and emit the matching events.

use core::num::traits::SaturatingAdd;
use starknet::event::EventEmitter;
use starknet::storage::{
    MutableVecTrait, StoragePathEntry, StoragePointerReadAccess, StoragePointerWriteAccess,
    VecTrait,
};
use starknet::{ContractAddress, get_block_timestamp, get_caller_address};
use crate::pausable::PausableComponent::InternalTrait as PausableInternal;
use super::CdcPool::ContractState;
use super::Errors;
use super::events::{CapabilitiesUpdated, Heartbeat, ReputationUpdated, WorkerRegistered};

pub const INITIAL_REPUTATION: u32 = 500;
pub const MAX_REPUTATION: u32 = 1000;
pub const SUCCESS_BONUS: u32 = 10;
pub const FAILURE_PENALTY: u32 = 50;
pub const SLASH_PENALTY: u32 = 100;
pub const MAX_PAGE: u32 = 100;

#[generate_trait]
pub(crate) impl RegistryImpl of RegistryTrait {
    fn enroll(ref self: ContractState, worker: ContractAddress, capabilities: u64) {
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

    /// The caller of a worker self-service entry point: refused while paused, and it must be
    /// registered.
    fn calling_worker(self: @ContractState) -> ContractAddress {
        self.pausable.assert_not_paused(Errors::PAUSED);
        self.assert_registered(get_caller_address())
    }

    fn assert_registered(self: @ContractState, worker: ContractAddress) -> ContractAddress {
        assert(self.workers.entry(worker).registered.read(), Errors::NOT_REGISTERED);
        worker
    }

    fn set_capabilities(ref self: ContractState, worker: ContractAddress, capabilities: u64) {
        self.workers.entry(worker).capabilities.write(capabilities);
        self.emit(CapabilitiesUpdated { worker, capabilities });
    }

    fn record_heartbeat(ref self: ContractState, worker: ContractAddress) {
        let timestamp = get_block_timestamp();
        self.workers.entry(worker).last_heartbeat.write(timestamp);
        self.emit(Heartbeat { worker, timestamp });
    }

    fn is_active(self: @ContractState, worker: ContractAddress) -> bool {
        let entry = self.workers.entry(worker);
        entry.registered.read() && entry.staked.read() >= self.min_stake.read()
    }

    /// Whether the last heartbeat is within the timeout (always, if the timeout is 0).
    fn heartbeat_fresh(self: @ContractState, worker: ContractAddress) -> bool {
        let timeout = self.heartbeat_timeout.read();
        if timeout == 0 {
            return true;
        }
        // A worker that never sent a heartbeat is not online, whatever the clock says.
        let last = self.workers.entry(worker).last_heartbeat.read();
        let now = get_block_timestamp();
        last != 0 && now >= last && now - last <= timeout
    }

    fn workers_page(self: @ContractState, offset: u64, limit: u32) -> Array<ContractAddress> {
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

    fn open_job(ref self: ContractState, worker: ContractAddress) {
        let open = self.open_jobs.entry(worker);
        open.write(open.read() + 1);
    }

    /// Closes one of the worker's open jobs (one assigned before jobs were counted closes from 0).
    fn record_outcome(ref self: ContractState, worker: ContractAddress, success: bool) {
        let open = self.open_jobs.entry(worker);
        let n = open.read();
        if n > 0 {
            open.write(n - 1);
        }
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
            // A failed job gives a slasher one unstake delay to act before pending CIRO can leave.
            if entry.pending_unstake.read() > 0 {
                let hold = get_block_timestamp().saturating_add(self.unstake_delay.read());
                if hold > entry.unstake_available_at.read() {
                    entry.unstake_available_at.write(hold);
                }
            }
        }
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
}
