package loyalty

// rewardMem is the memory store's reward state.
type rewardMem struct{}
