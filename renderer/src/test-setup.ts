// Unmounts what each spec rendered (testing-library's cleanup, registered for vitest).
import '@testing-library/svelte/vitest';
