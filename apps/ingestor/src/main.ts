import 'reflect-metadata';
import { runApp } from '@annals/platform';
import { startIngestor } from './bootstrap';

runApp('ingestor', () => startIngestor());
