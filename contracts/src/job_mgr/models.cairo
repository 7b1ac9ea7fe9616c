//! The model registry half of JobMgr. Callers check MODEL_ADMIN_ROLE before reaching the mutating
//! helpers here; this file only keeps the registry consistent.

use starknet::event::EventEmitter;
use starknet::get_block_timestamp;
use starknet::storage::{
    StorageMapReadAccess, StorageMapWriteAccess, StoragePathEntry, StoragePointerReadAccess,
    StoragePointerWriteAccess,
};
use super::JobMgr::ContractState;
use super::events::{ModelDeactivated, ModelRegistered, ModelUpdated};
use super::paging::page_bounds;
use super::{Errors, Model};

#[generate_trait]
pub(crate) impl ModelRegistryImpl of ModelRegistryTrait {
    fn add_model(
        ref self: ContractState, model_hash: felt252, requirements: u64, price: u256,
    ) -> u64 {
        assert(model_hash != 0, Errors::MODEL_HASH_ZERO);
        let id = self.model_count.read() + 1;
        self.model_count.write(id);
        let created_at = get_block_timestamp();
        self
            .models
            .write(id, Model { id, model_hash, requirements, price, active: true, created_at });
        self.emit(ModelRegistered { model_id: id, model_hash, requirements, price });
        id
    }

    fn edit_model(
        ref self: ContractState, model_id: u64, model_hash: felt252, requirements: u64, price: u256,
    ) {
        self.assert_model_exists(model_id);
        assert(model_hash != 0, Errors::MODEL_HASH_ZERO);
        // Jobs copy the price at submission, so repricing never touches existing escrows.
        let entry = self.models.entry(model_id);
        entry.model_hash.write(model_hash);
        entry.requirements.write(requirements);
        entry.price.write(price);
        self.emit(ModelUpdated { model_id, model_hash, requirements, price });
    }

    fn retire_model(ref self: ContractState, model_id: u64) {
        self.assert_model_exists(model_id);
        let entry = self.models.entry(model_id);
        assert(entry.active.read(), Errors::MODEL_INACTIVE);
        entry.active.write(false);
        self.emit(ModelDeactivated { model_id });
    }

    /// The model a new job may be submitted against.
    fn active_model(self: @ContractState, model_id: u64) -> Model {
        self.assert_model_exists(model_id);
        let model = self.models.read(model_id);
        assert(model.active, Errors::MODEL_INACTIVE);
        model
    }

    fn models_page(self: @ContractState, offset: u64, limit: u32) -> Array<Model> {
        let mut out = array![];
        let (start, end) = page_bounds(offset, limit, self.model_count.read());
        // Ids start at 1, so index i maps to id i + 1.
        for i in start..end {
            out.append(self.models.read(i + 1));
        }
        out
    }

    fn assert_model_exists(self: @ContractState, model_id: u64) {
        assert(model_id != 0 && model_id <= self.model_count.read(), Errors::UNKNOWN_MODEL);
    }
}
