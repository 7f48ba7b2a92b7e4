import 'reflect-metadata';
import { runApp } from '@annals/platform';
import { startProjector } from './bootstrap';

runApp('projector', () => startProjector());
