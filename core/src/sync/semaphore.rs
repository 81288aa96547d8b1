pub struct Semaphore;
pub struct BoundedSemaphore;
