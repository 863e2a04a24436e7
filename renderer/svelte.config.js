// Svelte 5 compiles `<script lang="ts">` itself (types are stripped); svelte-check type-checks.
export default {};
