pub struct Condition;
pub enum ConditionLock {}
