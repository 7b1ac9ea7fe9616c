//! Balance and allowance bookkeeping behind CiroToken's entry points. Every movement emits the
//! ERC-20 event that indexers and wallets rebuild balances from.

use core::num::traits::{Bounded, Zero};
use starknet::ContractAddress;
use starknet::event::EventEmitter;
use starknet::storage::{
    StorageMapReadAccess, StorageMapWriteAccess, StoragePointerReadAccess,
    StoragePointerWriteAccess,
};
use super::CiroToken::{Approval, ContractState, Transfer};
use super::Errors;

#[generate_trait]
pub(crate) impl LedgerImpl of LedgerTrait {
    fn _transfer(
        ref self: ContractState, sender: ContractAddress, recipient: ContractAddress, amount: u256,
    ) {
        // Tokens sent to the zero address are unrecoverable and would silently shrink supply
        // without a burn event.
        assert(recipient.is_non_zero(), Errors::TRANSFER_TO_ZERO);
        let sender_balance = self.balances.read(sender);
        assert(sender_balance >= amount, Errors::INSUFFICIENT_BALANCE);
        self.balances.write(sender, sender_balance - amount);
        self.balances.write(recipient, self.balances.read(recipient) + amount);
        self.emit(Transfer { from: sender, to: recipient, value: amount });
    }

    fn _mint(ref self: ContractState, recipient: ContractAddress, amount: u256) {
        assert(recipient.is_non_zero(), Errors::TRANSFER_TO_ZERO);
        self.total_supply.write(self.total_supply.read() + amount);
        self.balances.write(recipient, self.balances.read(recipient) + amount);
        self.emit(Transfer { from: Zero::zero(), to: recipient, value: amount });
    }

    fn _approve(
        ref self: ContractState, owner: ContractAddress, spender: ContractAddress, amount: u256,
    ) {
        assert(spender.is_non_zero(), Errors::APPROVE_TO_ZERO);
        self.allowances.write((owner, spender), amount);
        self.emit(Approval { owner, spender, value: amount });
    }

    fn _spend_allowance(
        ref self: ContractState, owner: ContractAddress, spender: ContractAddress, amount: u256,
    ) {
        let current = self.allowances.read((owner, spender));
        // An unlimited (max) approval is never decremented, saving a storage write per use.
        if current == Bounded::MAX {
            return;
        }
        assert(current >= amount, Errors::INSUFFICIENT_ALLOWANCE);
        self.allowances.write((owner, spender), current - amount);
    }
}
