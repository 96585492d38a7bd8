/** Every `--from` format by name. h15-runner's `userplane` format (Userplane's own export) joins them at merge. */
import type { ImportFormat } from '../format.ts';
import { auth0Format } from './auth0.ts';
import { auth0ExportFormat } from './auth0-export.ts';
import { firebaseFormat } from './firebase.ts';
import { clerkFormat } from './clerk.ts';
import { supabaseFormat } from './supabase.ts';
import { cognitoFormat } from './cognito.ts';
import { kratosFormat } from './kratos.ts';

export const FORMATS: Record<string, ImportFormat> = {
  [auth0Format.name]: auth0Format,
  [auth0ExportFormat.name]: auth0ExportFormat,
  [firebaseFormat.name]: firebaseFormat,
  [clerkFormat.name]: clerkFormat,
  [supabaseFormat.name]: supabaseFormat,
  [cognitoFormat.name]: cognitoFormat,
  [kratosFormat.name]: kratosFormat,
};
