//! Worker registry, reputation arithmetic and token movements shared by the CdcPool entrypoints
//! and the staking helpers.

use starknet::event::EventEmitter;
use starknet::storage::{
    MutableVecTrait, StoragePathEntry, StoragePointerReadAccess, StoragePointerWriteAccess,
    VecTrait,
};
use starknet::{ContractAddress, get_block_timestamp, get_contract_address};
use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
use super::CdcPool::ContractState;
use super::events::{ReputationUpdated, WorkerRegistered};
use super::{Errors, FAILURE_PENALTY, INITIAL_REPUTATION, MAX_PAGE, MAX_REPUTATION, SUCCESS_BONUS};

#[generate_trait]
pub(crate) impl PoolInternalImpl of PoolInternalTrait {
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

    fn assert_registered(self: @ContractState, worker: ContractAddress) -> ContractAddress {
        assert(self.workers.entry(worker).registered.read(), Errors::NOT_REGISTERED);
        worker
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

    fn record_outcome(ref self: ContractState, worker: ContractAddress, success: bool) {
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
