//! Microsoft Power Platform: the wire formats of the real admin APIs and their normalisation
//! into Steward's platform-neutral model.

pub mod normalize;
pub mod wire;
