/** Every `--from` format of `userplane import`, by name. */
import type { ImportFormat } from '../format.ts';
import { auth0Format } from './auth0.ts';
import { auth0ExportFormat } from './auth0-export.ts';
import { firebaseFormat } from './firebase.ts';
import { clerkFormat } from './clerk.ts';
import { supabaseFormat } from './supabase.ts';
import { cognitoFormat } from './cognito.ts';
import { kratosFormat } from './kratos.ts';
import { userplaneFormat } from './userplane.ts';

export const FORMATS: Record<string, ImportFormat> = {
  [auth0Format.name]: auth0Format,
  [auth0ExportFormat.name]: auth0ExportFormat,
  [firebaseFormat.name]: firebaseFormat,
  [clerkFormat.name]: clerkFormat,
  [supabaseFormat.name]: supabaseFormat,
  [cognitoFormat.name]: cognitoFormat,
  [kratosFormat.name]: kratosFormat,
  [userplaneFormat.name]: userplaneFormat,
};
