pub const MAX_PAGE: u32 = 100;

/// Clamps [offset, offset + limit) to [0, len) with limit capped at MAX_PAGE.
pub(crate) fn page_bounds(offset: u64, limit: u32, len: u64) -> (u64, u64) {
    let limit: u64 = if limit > MAX_PAGE {
        MAX_PAGE.into()
    } else {
        limit.into()
    };
    if offset >= len {
        return (len, len);
    }
    let end = if len - offset < limit {
        len
    } else {
        offset + limit
    };
    (offset, end)
}
