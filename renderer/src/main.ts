import { mount } from 'svelte';
import 'maplibre-gl/dist/maplibre-gl.css';
import './styles.css';
import App from './App.svelte';
import { adoptToken } from './lib/api';

// Before anything asks the web host for data.
adoptToken();

mount(App, { target: document.getElementById('app')! });
