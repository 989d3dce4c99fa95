export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  // Allows to automatically instantiate createClient with right options
  // instead of createClient<Database, { PostgrestVersion: 'XX' }>(URL, KEY)
  __InternalSupabase: {
    PostgrestVersion: "13.0.5"
  }
  public: {
    Tables: {
      credit_allocations: {
        Row: {
          amount: number
          lot_id: number
          transaction_id: number
          user_id: string
        }
        Insert: {
          amount: number
          lot_id: number
          transaction_id: number
          user_id: string
        }
        Update: {
          amount?: number
          lot_id?: number
          transaction_id?: number
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "credit_allocations_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      credit_lots: {
        Row: {
          amount: number
          category: string
          created_at: string
          depleted: boolean
          expires_at: string | null
          id: number
          kind: string
          remaining: number
          transaction_id: number | null
          user_id: string
        }
        Insert: {
          amount: number
          category: string
          created_at?: string
          depleted?: never
          expires_at?: string | null
          id?: never
          kind: string
          remaining: number
          transaction_id?: number | null
          user_id: string
        }
        Update: {
          amount?: number
          category?: string
          created_at?: string
          depleted?: never
          expires_at?: string | null
          id?: never
          kind?: string
          remaining?: number
          transaction_id?: number | null
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "credit_lots_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      credit_transactions: {
        Row: {
          amount: number
          balance_after: number
          created_at: string
          description: string | null
          id: number
          kind: string
          reference: string | null
          user_id: string
          video_id: string | null
        }
        Insert: {
          amount: number
          balance_after: number
          created_at?: string
          description?: string | null
          id?: never
          kind: string
          reference?: string | null
          user_id: string
          video_id?: string | null
        }
        Update: {
          amount?: number
          balance_after?: number
          created_at?: string
          description?: string | null
          id?: never
          kind?: string
          reference?: string | null
          user_id?: string
          video_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "credit_transactions_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "credit_transactions_video_id_fkey"
            columns: ["video_id"]
            isOneToOne: false
            referencedRelation: "videos"
            referencedColumns: ["id"]
          },
        ]
      }
      payment_references: {
        Row: {
          created_at: string
          kind: string
          reference: string
          user_id: string
        }
        Insert: {
          created_at?: string
          kind: string
          reference: string
          user_id: string
        }
        Update: {
          created_at?: string
          kind?: string
          reference?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "payment_references_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
      profiles: {
        Row: {
          active_videos: number
          created_at: string
          credits: number
          credits_reserved: number
          deleted_videos: number
          id: string
          last_transaction_at: string | null
          lifetime_expired: number
          lifetime_granted: number
          lifetime_refunded: number
          lifetime_spent: number
          updated_at: string
          user_id: string
        }
        Insert: {
          active_videos?: number
          created_at?: string
          credits?: number
          credits_reserved?: number
          deleted_videos?: number
          id: string
          last_transaction_at?: string | null
          lifetime_expired?: number
          lifetime_granted?: number
          lifetime_refunded?: number
          lifetime_spent?: number
          updated_at?: string
          user_id: string
        }
        Update: {
          active_videos?: number
          created_at?: string
          credits?: number
          credits_reserved?: number
          deleted_videos?: number
          id?: string
          last_transaction_at?: string | null
          lifetime_expired?: number
          lifetime_granted?: number
          lifetime_refunded?: number
          lifetime_spent?: number
          updated_at?: string
          user_id?: string
        }
        Relationships: []
      }
      video_pricing: {
        Row: {
          credits_per_second: number
          model: string
          resolution: string
        }
        Insert: {
          credits_per_second: number
          model: string
          resolution: string
        }
        Update: {
          credits_per_second?: number
          model?: string
          resolution?: string
        }
        Relationships: []
      }
      videos: {
        Row: {
          created_at: string
          credits_cost: number
          deleted_at: string | null
          duration_seconds: number
          error_message: string | null
          id: string
          idempotency_key: string | null
          model: string
          prompt: string
          refunded_at: string | null
          resolution: string
          status: string
          updated_at: string
          user_id: string
          video_url: string | null
        }
        Insert: {
          created_at?: string
          credits_cost: number
          deleted_at?: string | null
          duration_seconds: number
          error_message?: string | null
          id?: string
          idempotency_key?: string | null
          model: string
          prompt: string
          refunded_at?: string | null
          resolution: string
          status?: string
          updated_at?: string
          user_id: string
          video_url?: string | null
        }
        Update: {
          created_at?: string
          credits_cost?: number
          deleted_at?: string | null
          duration_seconds?: number
          error_message?: string | null
          id?: string
          idempotency_key?: string | null
          model?: string
          prompt?: string
          refunded_at?: string | null
          resolution?: string
          status?: string
          updated_at?: string
          user_id?: string
          video_url?: string | null
        }
        Relationships: [
          {
            foreignKeyName: "videos_user_id_fkey"
            columns: ["user_id"]
            isOneToOne: false
            referencedRelation: "profiles"
            referencedColumns: ["id"]
          },
        ]
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      claim_video_jobs: {
        Args: { p_limit?: number }
        Returns: {
          created_at: string
          credits_cost: number
          deleted_at: string | null
          duration_seconds: number
          error_message: string | null
          id: string
          idempotency_key: string | null
          model: string
          prompt: string
          refunded_at: string | null
          resolution: string
          status: string
          updated_at: string
          user_id: string
          video_url: string | null
        }[]
        SetofOptions: {
          from: "*"
          to: "videos"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      complete_video_generation: {
        Args: { p_user_id?: string; p_video_id: string; p_video_url: string }
        Returns: Json
      }
      create_video_generation: {
        Args: {
          p_duration_seconds?: number
          p_idempotency_key?: string
          p_model?: string
          p_prompt: string
          p_resolution?: string
        }
        Returns: Json
      }
      create_video_request: {
        Args: {
          p_duration_seconds?: number
          p_model?: string
          p_prompt: string
          p_resolution?: string
        }
        Returns: string
      }
      distribute_on_citus: { Args: Record<PropertyKey, never>; Returns: undefined }
      expire_credits: { Args: Record<PropertyKey, never>; Returns: Json }
      expire_stale_videos: { Args: { p_older_than?: unknown }; Returns: Json }
      get_credit_info: { Args: { p_user_id?: string }; Returns: Json }
      grant_credits: {
        Args: {
          p_amount: number
          p_category?: string
          p_description?: string
          p_expires_at?: string
          p_kind?: string
          p_reference?: string
          p_user_id: string
        }
        Returns: Json
      }
      list_credit_lots: {
        Args: Record<PropertyKey, never>
        Returns: {
          amount: number
          category: string
          created_at: string
          depleted: boolean
          expires_at: string | null
          id: number
          kind: string
          remaining: number
          transaction_id: number | null
          user_id: string
        }[]
        SetofOptions: {
          from: "*"
          to: "credit_lots"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      list_deleted_videos: {
        Args: Record<PropertyKey, never>
        Returns: {
          created_at: string
          credits_cost: number
          deleted_at: string | null
          duration_seconds: number
          error_message: string | null
          id: string
          idempotency_key: string | null
          model: string
          prompt: string
          refunded_at: string | null
          resolution: string
          status: string
          updated_at: string
          user_id: string
          video_url: string | null
        }[]
        SetofOptions: {
          from: "*"
          to: "videos"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      refund_video_credits: {
        Args: { p_reason?: string; p_user_id?: string; p_video_id: string }
        Returns: Json
      }
      restore_video: {
        Args: { p_user_id?: string; p_video_id: string }
        Returns: Json
      }
      soft_delete_video: {
        Args: { p_user_id?: string; p_video_id: string }
        Returns: Json
      }
      verify_ledger: {
        Args: Record<PropertyKey, never>
        Returns: {
          credits: number
          ledger_sum: number
          lots_remaining: number
          problem: string
          user_id: string
        }[]
      }
      write_ddl_guard: { Args: Record<PropertyKey, never>; Returns: undefined }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const

