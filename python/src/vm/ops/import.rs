//! `import` statements; the modules themselves come from `crate::modules`.

use crate::vm::{OpResult, PyErr, Vm};

pub(crate) fn import_name(vm: &mut Vm, name: u32) -> OpResult {
    let name = vm.frame().code.names[name as usize].clone();
    vm.import(name.as_str())?;
    let top = name.as_str().split('.').next().unwrap_or_default();
    let module = vm.import(top)?;
    vm.frame().push(module);
    Ok(())
}

pub(crate) fn import_module(vm: &mut Vm, name: u32) -> OpResult {
    let name = vm.frame().code.names[name as usize].clone();
    let module = vm.import(name.as_str())?;
    vm.frame().push(module);
    Ok(())
}

pub(crate) fn import_from(vm: &mut Vm, name: u32) -> OpResult {
    let frame = vm.frame();
    let name = frame.code.names[name as usize].clone();
    let module = frame.top().clone();
    match vm.try_get_attr(&module, &name)? {
        Some(value) => {
            vm.frame().push(value);
            Ok(())
        }
        None => {
            // `from package import submodule`
            let module_name = match &module {
                crate::objects::Value::Module(m) => m.name.as_str().to_owned(),
                _ => String::new(),
            };
            let full = format!("{module_name}.{}", name.as_str());
            match vm.import(&full) {
                Ok(value) => {
                    vm.frame().push(value);
                    Ok(())
                }
                Err(_) => Err(PyErr::new(
                    crate::objects::types::ExcKind::ImportError,
                    format!(
                        "cannot import name '{}' from '{module_name}'",
                        name.as_str()
                    ),
                )),
            }
        }
    }
}
