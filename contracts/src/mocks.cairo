//! Stand-ins for third-party contracts the relay talks to, deployed only on local chains.
pub mod pragma;
