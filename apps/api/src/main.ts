import 'reflect-metadata';
import { runApp } from '@annals/platform';
import { startApi } from './bootstrap';

runApp('api', () => startApi());
