-- Stillframe sync: the library's tables, each row stamped with a per-project sequence number in commit order,
-- row-level security by project membership, the `frames` Storage bucket, and the two functions that carry all
-- row traffic (push_changes, pull_changes). Applies on a new Supabase project (or plain Postgres 15+ with
-- Supabase's auth, storage and realtime schemas); needs no extension.

-- Helpers that policies and triggers call live here, outside the schemas the API exposes.
create schema if not exists private;
revoke all on schema private from public;
grant usage on schema private to authenticated;

-- Tables -------------------------------------------------------------------------------------------------------

-- Every synced row carries seq (the project's counter when the row last changed), created_at, updated_at,
-- updated_by (all the server's) and deleted_at (a tombstone: rows are never removed, so devices learn of deletes).
create table public.projects (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 200),
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  last_seq bigint not null default 0,
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz
);

create table public.project_members (
  project_id uuid not null references public.projects (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null check (role in ('owner', 'editor', 'viewer', 'worker')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (project_id, user_id)
);
create index project_members_user_id_idx on public.project_members (user_id, project_id);

create table public.batches (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  slug text not null check (slug ~ '^[a-z0-9][a-z0-9_-]*$'),
  position integer,
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz,
  unique (project_id, id)
);
create index batches_project_seq_idx on public.batches (project_id, seq);
create unique index batches_name_unique on public.batches (project_id, lower(name)) where deleted_at is null;
create unique index batches_slug_unique on public.batches (project_id, slug) where deleted_at is null;

create table public.videos (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  batch_id uuid not null,
  name text not null,
  batch_name text,
  batch_order integer,
  source_type text not null default 'direct' check (source_type in ('direct', 'loom')),
  source_url text,
  source_metadata jsonb,
  size_bytes bigint,
  content_hash text,
  status text not null default 'pending',
  processing_progress real not null default 0,
  processing_error text,
  worker_id text,
  started_at timestamptz,
  completed_at timestamptz,
  duration_ms bigint,
  width integer,
  height integer,
  frame_rate double precision,
  codec text,
  rotation integer,
  storage_path text check (storage_path is null or storage_path like project_id::text || '/%'),
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz,
  unique (project_id, id),
  foreign key (project_id, batch_id) references public.batches (project_id, id) on delete cascade
);
create index idx_videos_project_id on public.videos (project_id, seq);
create index idx_videos_batch_name on public.videos (project_id, batch_name);
create index videos_batch_id_idx on public.videos (batch_id);

create table public.frames (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  batch_id uuid not null,
  video_id uuid not null,
  frame_index integer not null check (frame_index >= 0),
  timestamp_ms bigint not null check (timestamp_ms >= 0),
  width integer not null check (width > 0),
  height integer not null check (height > 0),
  -- Fixed when the frame is made: <project_id>/<batch_slug>/<video_id>/frame_000001.jpg and the same under
  -- <project_id>/thumbs/; the first segment is what Storage's policies check.
  storage_path text not null check (storage_path like project_id::text || '/%'),
  thumb_path text not null check (thumb_path like project_id::text || '/%'),
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz,
  unique (project_id, id),
  foreign key (project_id, batch_id) references public.batches (project_id, id) on delete cascade,
  foreign key (project_id, video_id) references public.videos (project_id, id) on delete cascade
);
create index frames_project_seq_idx on public.frames (project_id, seq);
create unique index frames_video_frame_unique on public.frames (video_id, frame_index) where deleted_at is null;
create index frames_batch_id_idx on public.frames (batch_id);

create table public.labels (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  color text not null default '#22c55e',
  hotkey integer check (hotkey between 1 and 9),
  attributes jsonb not null default '[]'::jsonb,
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz,
  unique (project_id, id)
);
create index labels_project_seq_idx on public.labels (project_id, seq);
create unique index labels_name_unique on public.labels (project_id, lower(name)) where deleted_at is null;
create unique index labels_hotkey_unique on public.labels (project_id, hotkey)
  where hotkey is not null and deleted_at is null;

create table public.annotations (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  frame_id uuid not null,
  label_id uuid,
  type text not null check (type in ('rectangle', 'polygon', 'polyline', 'point')),
  points jsonb not null check (jsonb_typeof(points) = 'array'),
  note text not null default '',
  attributes jsonb not null default '{}'::jsonb,
  hidden boolean not null default false,
  locked boolean not null default false,
  z_index integer not null default 0,
  seq bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  updated_by uuid default auth.uid(),
  deleted_at timestamptz,
  foreign key (project_id, frame_id) references public.frames (project_id, id) on delete cascade,
  foreign key (project_id, label_id) references public.labels (project_id, id)
);
create index annotations_project_seq_idx on public.annotations (project_id, seq);
create index annotations_frame_id_idx on public.annotations (frame_id);
create index annotations_label_id_idx on public.annotations (label_id);

-- Each device's last applied client operation id, so that a retried or half-acknowledged push is a no-op.
create table public.sync_clients (
  client_id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  last_op_id bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index sync_clients_user_id_idx on public.sync_clients (user_id);

-- The changes push_changes refused, kept until the client has moved past them, so that a retry of a batch whose
-- answer was lost reports them again instead of calling them applied.
create table private.sync_rejections (
  client_id uuid not null references public.sync_clients (client_id) on delete cascade,
  op_id bigint not null,
  code text not null,
  message text not null,
  primary key (client_id, op_id)
);

-- Membership helpers -------------------------------------------------------------------------------------------

-- The projects where the caller holds one of `roles`. Policies use it as `project_id in (select ...)`, which
-- Postgres evaluates once per statement rather than once per row.
create function private.projects_with_role(roles text[]) returns setof uuid
language sql stable security definer set search_path = ''
as $$
  select m.project_id from public.project_members m
  where m.user_id = (select auth.uid()) and m.role = any (roles)
$$;

create function private.member_role(project uuid) returns text
language sql stable security definer set search_path = ''
as $$
  select m.role from public.project_members m where m.project_id = project and m.user_id = (select auth.uid())
$$;

create function private.is_member(project uuid) returns boolean
language sql stable security definer set search_path = ''
as $$
  select private.member_role(project) is not null
$$;

-- The project a Storage path belongs to: its first folder, or null when that is not a project id.
create function private.path_project(path text) returns uuid
language sql immutable set search_path = ''
as $$
  select case when split_part(path, '/', 1) ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    and position('/' in path) > 0 then split_part(path, '/', 1)::uuid end
$$;

-- Sequence numbers ---------------------------------------------------------------------------------------------

-- The next number of a project's counter. Taking numbers updates the project's row, which holds its row lock until
-- commit, so writers of one project commit in the order of their numbers and a pull of `seq > n` never skips a row
-- committed out of order. Numbers are taken 64 at a time and handed out from a transaction-local note
-- (stillframe.seq_<project>): one update of the project's row per 64 changed rows, because every update of one row
-- in one transaction lengthens the chain of versions the next one walks, which made a 10,000-row transaction
-- quadratic. The unused rest of a block is a gap, which pulls do not mind. A savepoint that rolls back takes back
-- its update and its note together. The last number is also kept in `stillframe.seq` for push_changes' answer.
create function private.next_seq(project uuid) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  note text := 'stillframe.seq_' || replace(project::text, '-', '');
  xact text := pg_current_xact_id()::text;
  held text[] := string_to_array(nullif(current_setting(note, true), ''), ':');
  assigned bigint;
  last bigint;
  gone timestamptz;
begin
  if held[1] = xact and held[2]::bigint < held[3]::bigint then
    assigned := held[2]::bigint + 1;
    last := held[3]::bigint;
  else
    update public.projects set last_seq = last_seq + 64 where id = project returning last_seq, deleted_at
      into last, gone;
    if not found then
      raise exception 'Project % is not on the server', project using errcode = '23503';
    end if;
    if gone is not null then
      raise exception 'This project was deleted' using errcode = 'SF409';
    end if;
    assigned := last - 63;
  end if;
  perform set_config(note, xact || ':' || assigned || ':' || last, true);
  perform set_config('stillframe.seq', assigned::text, true);
  return assigned;
end
$$;

-- Stamps a change to a project's row: its own seq, the server's time and author; a tombstone is final.
create function private.stamp_project() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    new.created_by := coalesce(auth.uid(), new.created_by);
    new.last_seq := 1;
    new.seq := 1;
    new.created_at := now();
    new.updated_at := now();
    new.updated_by := auth.uid();
    perform set_config('stillframe.seq', '1', true);
    return new;
  end if;
  -- The counter moving for a change to one of the project's rows (next_seq): nothing else changes.
  if new.last_seq is distinct from old.last_seq then
    return new;
  end if;
  if old.deleted_at is not null then
    raise exception 'This project was deleted' using errcode = 'SF409';
  end if;
  new.last_seq := old.last_seq + 1;
  new.seq := new.last_seq;
  if new.deleted_at is not null then
    -- Rows changed after this in the same transaction take fresh numbers, and so see the tombstone.
    perform set_config('stillframe.seq_' || replace(new.id::text, '-', ''), '', true);
  end if;
  new.created_by := old.created_by;
  new.created_at := old.created_at;
  new.updated_at := now();
  new.updated_by := auth.uid();
  perform set_config('stillframe.seq', new.seq::text, true);
  return new;
end
$$;

create trigger stamp_project before insert or update on public.projects
  for each row execute function private.stamp_project();

-- Stamps a change to a row inside a project. An edit under a deleted parent (or project) is refused like an edit
-- of a deleted row: the delete wins. The parent is looked up by table with plain statements (plpgsql keeps their
-- plans; a dynamic one is planned again for every row).
create function private.stamp_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  parent_gone boolean := false;
begin
  if tg_op = 'UPDATE' then
    if new.project_id is distinct from old.project_id then
      raise exception 'A row cannot move to another project' using errcode = 'SF422';
    end if;
    if old.deleted_at is not null then
      raise exception 'This row was deleted' using errcode = 'SF409';
    end if;
    new.created_at := old.created_at;
  else
    new.created_at := now();
  end if;
  new.seq := private.next_seq(new.project_id);
  new.updated_at := now();
  new.updated_by := auth.uid();
  if new.deleted_at is null then
    if tg_table_name = 'videos' then
      select b.deleted_at is not null into parent_gone from public.batches b where b.id = new.batch_id;
    elsif tg_table_name = 'frames' then
      select v.deleted_at is not null into parent_gone from public.videos v where v.id = new.video_id;
    elsif tg_table_name = 'annotations' then
      select f.deleted_at is not null into parent_gone from public.frames f where f.id = new.frame_id;
    end if;
    if parent_gone then
      raise exception 'What this belongs to was deleted' using errcode = 'SF409';
    end if;
  end if;
  return new;
end
$$;

create trigger stamp_change before insert or update on public.batches
  for each row execute function private.stamp_change();
create trigger stamp_change before insert or update on public.labels
  for each row execute function private.stamp_change();
create trigger stamp_change before insert or update on public.videos
  for each row execute function private.stamp_change();
create trigger stamp_change before insert or update on public.frames
  for each row execute function private.stamp_change();
create trigger stamp_change before insert or update on public.annotations
  for each row execute function private.stamp_change();

-- The creator of a project becomes its owner.
create function private.add_creator_as_owner() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.created_by is not null then
    insert into public.project_members (project_id, user_id, role) values (new.id, new.created_by, 'owner')
    on conflict (project_id, user_id) do update set role = 'owner', updated_at = now();
  end if;
  return new;
end
$$;

create trigger add_creator_as_owner after insert on public.projects
  for each row execute function private.add_creator_as_owner();

-- Row-level security -------------------------------------------------------------------------------------------
-- Members read; owners and editors write; workers write frames; only owners delete a project or change members.

alter table public.projects enable row level security;
alter table public.project_members enable row level security;
alter table public.batches enable row level security;
alter table public.videos enable row level security;
alter table public.frames enable row level security;
alter table public.labels enable row level security;
alter table public.annotations enable row level security;
alter table public.sync_clients enable row level security;
alter table private.sync_rejections enable row level security;

-- The counter, the author and the stamps are the server's: a caller may only name, rename or tombstone a project.
revoke update on public.projects from anon, authenticated;
grant update (name, deleted_at) on public.projects to authenticated;

create policy "Members see their projects" on public.projects for select to authenticated
  using (id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Signed-in people create projects they own" on public.projects for insert to authenticated
  with check (created_by = (select auth.uid()));
create policy "Owners and editors change a project; only owners delete it" on public.projects for update
  to authenticated
  using (id in (select private.projects_with_role(array['owner', 'editor'])))
  with check (deleted_at is null or id in (select private.projects_with_role(array['owner'])));
create policy "Owners delete projects" on public.projects for delete to authenticated
  using (id in (select private.projects_with_role(array['owner'])));

create policy "Members see who else is in their projects" on public.project_members for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Owners add members" on public.project_members for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner'])));
create policy "Owners change roles" on public.project_members for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner'])))
  with check (project_id in (select private.projects_with_role(array['owner'])));
create policy "Owners remove members; members leave" on public.project_members for delete to authenticated
  using (user_id = (select auth.uid()) or project_id in (select private.projects_with_role(array['owner'])));

create policy "Members see batches" on public.batches for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors add batches" on public.batches for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors change batches" on public.batches for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor'])))
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));

create policy "Members see videos" on public.videos for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors add videos" on public.videos for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors change videos" on public.videos for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor'])))
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));

create policy "Members see frames" on public.frames for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors and workers add frames" on public.frames for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner', 'editor', 'worker'])));
create policy "Editors and workers change frames" on public.frames for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'worker'])))
  with check (project_id in (select private.projects_with_role(array['owner', 'editor', 'worker'])));

create policy "Members see labels" on public.labels for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors add labels" on public.labels for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors change labels" on public.labels for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor'])))
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));

create policy "Members see shapes" on public.annotations for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors add shapes" on public.annotations for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors change shapes" on public.annotations for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor'])))
  with check (project_id in (select private.projects_with_role(array['owner', 'editor'])));

create policy "People see their own devices" on public.sync_clients for select to authenticated
  using (user_id = (select auth.uid()));

-- Storage ------------------------------------------------------------------------------------------------------

insert into storage.buckets (id, name, public) values ('frames', 'frames', false) on conflict (id) do nothing;

create policy "Members read their projects' frames" on storage.objects for select to authenticated
  using (bucket_id = 'frames' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors and workers upload frames" on storage.objects for insert to authenticated
  with check (bucket_id = 'frames' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor', 'worker'])));
create policy "Editors and workers replace frames" on storage.objects for update to authenticated
  using (bucket_id = 'frames' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor', 'worker'])))
  with check (bucket_id = 'frames' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor', 'worker'])));
create policy "Editors remove frames" on storage.objects for delete to authenticated
  using (bucket_id = 'frames' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor'])));

-- Push ---------------------------------------------------------------------------------------------------------

-- Takes the client's row lock (concurrent pushes from one device queue up), makes it on first use, forgets the
-- rejections the client has moved past, and answers its last applied operation id.
create function private.begin_push(client uuid, first_op_id bigint) returns bigint
language plpgsql security definer set search_path = ''
as $$
declare
  owner_id uuid;
  last bigint;
begin
  insert into public.sync_clients (client_id, user_id) values (client, auth.uid()) on conflict (client_id) do nothing;
  select c.user_id, c.last_op_id into owner_id, last from public.sync_clients c where c.client_id = client for update;
  if owner_id is distinct from auth.uid() then
    raise exception 'This device''s sync id belongs to another account; sign out and in again' using errcode = '42501';
  end if;
  if first_op_id is not null then
    delete from private.sync_rejections r where r.client_id = client and r.op_id < first_op_id;
  end if;
  return last;
end
$$;

create function private.finish_push(client uuid, last bigint, refused jsonb) returns void
language sql security definer set search_path = ''
as $$
  update public.sync_clients set last_op_id = greatest(last_op_id, last), updated_at = now() where client_id = client;
  insert into private.sync_rejections (client_id, op_id, code, message)
  select client, (r ->> 'op_id')::bigint, r ->> 'code', r ->> 'message' from jsonb_array_elements(refused) r
  on conflict (client_id, op_id) do nothing;
$$;

create function private.earlier_rejection(client uuid, op bigint) returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object('op_id', r.op_id, 'code', r.code, 'message', r.message)
  from private.sync_rejections r where r.client_id = client and r.op_id = op
$$;

-- The project a change belongs to, whether or not the caller may see it (for the wording of a refusal).
create function private.change_project(tbl text, row_id uuid, row_data jsonb) returns uuid
language plpgsql stable security definer set search_path = ''
as $$
declare
  project uuid;
begin
  if tbl = 'projects' then
    return row_id;
  end if;
  execute format('select project_id from public.%I where id = $1', tbl) into project using row_id;
  return coalesce(project, (row_data ->> 'project_id')::uuid);
exception
  when others then
    return null;
end
$$;

create function private.any_row_exists(tbl text, row_ids uuid[]) returns boolean
language plpgsql stable security definer set search_path = ''
as $$
declare
  found_it boolean;
begin
  execute format('select exists (select 1 from public.%I where id = any ($1))', tbl) into found_it using row_ids;
  return found_it;
end
$$;

create function private.try_uuid(value text) returns uuid
language plpgsql immutable set search_path = ''
as $$
begin
  return value::uuid;
exception
  when others then
    return null;
end
$$;

create function private.noun(tbl text) returns text
language sql immutable set search_path = ''
as $$
  select case tbl when 'projects' then 'project' when 'batches' then 'batch' when 'videos' then 'video'
    when 'frames' then 'frame' when 'labels' then 'label' when 'annotations' then 'shape' else 'row' end
$$;

-- A refused change in the person's words: {code, message}.
create function private.describe_refusal(state text, error text, constraint_name text, column_name text,
  tbl text, row_id uuid, row_data jsonb) returns jsonb
language plpgsql stable set search_path = ''
as $$
declare
  thing text := private.noun(tbl);
  role text;
begin
  if state = 'SF409' then
    return jsonb_build_object('code', 'deleted', 'message', case
      when error = 'This row was deleted' or tbl = 'projects' then
        format('This %s was deleted on another device before this change reached the server', thing)
      when error = 'This project was deleted' then
        'Its project was deleted on another device before this change reached the server'
      else format('What this %s belongs to was deleted on another device before this change reached the server',
        thing) end);
  end if;
  if state in ('42501', 'SF403') or (state = '23505' and constraint_name = tbl || '_pkey') then
    role := private.member_role(private.change_project(tbl, row_id, row_data));
    return jsonb_build_object('code', 'forbidden', 'message', case
      when role is null then 'You are not a member of this project'
      when role = 'viewer' then 'Viewers cannot change this project'
      when role = 'worker' then format('A worker cannot change this %s', thing)
      else 'Only an owner of this project can do this' end);
  end if;
  if state = '23505' then
    return jsonb_build_object('code', 'conflict', 'message', case constraint_name
      when 'batches_name_unique' then 'Another batch in this project already has this name'
      when 'batches_slug_unique' then 'Another batch in this project already uses this folder name'
      when 'labels_name_unique' then 'Another label in this project already has this name'
      when 'labels_hotkey_unique' then 'Another label in this project already uses this hotkey'
      when 'frames_video_frame_unique' then 'This video already has a frame at this position'
      else format('This %s clashes with another one on the server', thing) end);
  end if;
  if state = '23503' then
    return jsonb_build_object('code', 'missing', 'message',
      format('What this %s belongs to is not on the server', thing));
  end if;
  if state = '23502' then
    return jsonb_build_object('code', 'invalid', 'message', format('A %s needs a %s', thing, column_name));
  end if;
  if state = 'SF422' or state like '22%' or state = '23514' then
    return jsonb_build_object('code', 'invalid', 'message', format('This %s is not valid: %s', thing, error));
  end if;
  return jsonb_build_object('code', 'error', 'message', error);
end
$$;

-- Applies a run of changes to one table, all with the same op and the same columns and no row twice, as one
-- statement (a push of 2,000 shapes is a handful of statements, not 2,000). Raises when any is refused: SF403 not
-- allowed, SF409 deleted, SF422 invalid, or whatever RLS or a constraint raised.
create function private.apply_run(tbl text, op text, columns text[], rows_data jsonb) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  ids uuid[] := array(select (r ->> 'id')::uuid from jsonb_array_elements(rows_data) r);
  done uuid[];
  missing uuid[];
begin
  if op = 'upsert' then
    -- Only the columns the device changed: per-field last writer wins, in the server's order.
    execute format('with changed as (update public.%I as t set %s from jsonb_populate_recordset(null::public.%I, $1) as r '
        'where t.id = r.id returning t.id) select coalesce(array_agg(id), ''{}'') from changed',
      tbl,
      coalesce((select string_agg(format('%I = r.%I', c, c), ', ') from unnest(columns) c), 'id = t.id'),
      tbl)
      into done using rows_data;
    missing := array(select i from unnest(ids) i where i <> all (done));
    if cardinality(missing) > 0 then
      -- There but not changeable by the caller (a viewer, or another project's row): refused, not re-made.
      if private.any_row_exists(tbl, missing) then
        raise exception 'not allowed' using errcode = 'SF403';
      end if;
      execute format('insert into public.%I (id%s) select r.id%s from jsonb_populate_recordset(null::public.%I, $1) as r '
          'where r.id = any ($2)',
        tbl,
        coalesce((select string_agg(format(', %I', c), '') from unnest(columns) c), ''),
        coalesce((select string_agg(format(', r.%I', c), '') from unnest(columns) c), ''),
        tbl)
        using rows_data, missing;
    end if;
  else
    execute format('update public.%I set deleted_at = now() where id = any ($1) and deleted_at is null', tbl)
      using ids;
    -- Already deleted, or never reached the server: nothing to do. Seen but still there: not the caller's to delete.
    execute format('select coalesce(array_agg(id), ''{}'') from public.%I where id = any ($1) and deleted_at is null', tbl)
      into missing using ids;
    if cardinality(missing) > 0 then
      raise exception 'not allowed' using errcode = 'SF403';
    end if;
  end if;
end
$$;

-- Applies changes in order, consecutive ones of the same kind as one run, all in one savepoint; when one is
-- refused, the lot is rolled back and its halves tried apart, down to the refused change alone, so a refusal costs
-- a few retries instead of a savepoint per change (measured: a savepoint and a statement per change made a
-- 2,000-change push take seconds, growing with the square of its size).
-- Answers {"applied": [op_id...], "rejected": [{op_id, code, message}...]}.
create function private.apply_changes(changes jsonb[], writable jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  servers constant text[] := array['id', 'seq', 'last_seq', 'created_at', 'updated_at', 'updated_by', 'deleted_at',
    'created_by'];
  change jsonb;
  tbl text;
  op text;
  row_id uuid;
  row_data jsonb;
  keys text[];
  unknown text[];
  run_tbl text;
  run_op text;
  run_keys text[];
  run_ids uuid[] := '{}';
  run_rows jsonb[] := '{}';
  half integer;
  first_part jsonb;
  second_part jsonb;
  err_state text;
  err_text text;
  err_constraint text;
  err_column text;
begin
  if cardinality(changes) = 0 then
    return jsonb_build_object('applied', '[]'::jsonb, 'rejected', '[]'::jsonb);
  end if;
  begin
    foreach change in array changes loop
      tbl := change ->> 'table';
      op := change ->> 'op';
      if tbl is null or not writable ? tbl then
        raise exception 'unknown table "%"', coalesce(tbl, '') using errcode = 'SF422';
      end if;
      if op is null or op not in ('upsert', 'delete') then
        raise exception 'op must be "upsert" or "delete"' using errcode = 'SF422';
      end if;
      row_id := (change ->> 'id')::uuid;
      if row_id is null then
        raise exception 'the change has no id' using errcode = 'SF422';
      end if;
      row_data := coalesce(change -> 'row', '{}'::jsonb);
      if jsonb_typeof(row_data) <> 'object' then
        raise exception 'row must be an object' using errcode = 'SF422';
      end if;
      keys := '{}';
      if op = 'upsert' then
        select coalesce(array_agg(k order by k) filter (where writable -> tbl ? k), '{}'),
               coalesce(array_agg(k) filter (where not writable -> tbl ? k and k <> all (servers)), '{}')
          into keys, unknown
          from jsonb_object_keys(row_data) k;
        if cardinality(unknown) > 0 then
          raise exception 'unknown column(s) %', array_to_string(unknown, ', ') using errcode = 'SF422';
        end if;
      end if;
      if run_tbl is distinct from tbl or run_op is distinct from op or run_keys is distinct from keys
         or row_id = any (run_ids) then
        if run_tbl is not null then
          perform private.apply_run(run_tbl, run_op, run_keys, to_jsonb(run_rows));
        end if;
        run_tbl := tbl;
        run_op := op;
        run_keys := keys;
        run_ids := '{}';
        run_rows := '{}';
      end if;
      -- Arrays, not a jsonb list: appending to jsonb copies it whole each time.
      run_ids := run_ids || row_id;
      run_rows := run_rows || (row_data || jsonb_build_object('id', row_id));
    end loop;
    perform private.apply_run(run_tbl, run_op, run_keys, to_jsonb(run_rows));
    return jsonb_build_object('applied', (select jsonb_agg((c ->> 'op_id')::bigint) from unnest(changes) c),
      'rejected', '[]'::jsonb);
  exception
    when others then
      get stacked diagnostics err_state = returned_sqlstate, err_text = message_text,
        err_constraint = constraint_name, err_column = column_name;
      -- A deadlock or a lost serialization is the request's to retry, not the change's to be refused for.
      if err_state like '40%' or err_state like '53%' then
        raise;
      end if;
  end;
  if cardinality(changes) = 1 then
    change := changes[1];
    return jsonb_build_object('applied', '[]'::jsonb, 'rejected', jsonb_build_array(
      jsonb_build_object('op_id', (change ->> 'op_id')::bigint) || private.describe_refusal(err_state, err_text,
        err_constraint, err_column, change ->> 'table', private.try_uuid(change ->> 'id'), change -> 'row')));
  end if;
  half := cardinality(changes) / 2;
  first_part := private.apply_changes(changes[1:half], writable);
  second_part := private.apply_changes(changes[half + 1:], writable);
  return jsonb_build_object(
    'applied', (first_part -> 'applied') || (second_part -> 'applied'),
    'rejected', (first_part -> 'rejected') || (second_part -> 'rejected'));
end
$$;

-- Applies a device's changes in one transaction; a change that RLS or a constraint refuses is rejected alone.
-- Runs as the caller, so row-level security decides every write; only the helpers above touch sync_clients and
-- the counters.
create function public.push_changes(client_id uuid, changes jsonb) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  servers constant text[] := array['id', 'seq', 'last_seq', 'created_at', 'updated_at', 'updated_by', 'deleted_at',
    'created_by'];
  writable jsonb;
  last_done bigint;
  applied jsonb := '[]'::jsonb;
  refused jsonb := '[]'::jsonb;
  pending jsonb[] := '{}';
  change jsonb;
  op_id bigint;
  earlier jsonb;
  outcome jsonb;
begin
  if auth.uid() is null then
    raise exception 'Sign in to sync' using errcode = '42501';
  end if;
  if jsonb_typeof(changes) is distinct from 'array' then
    raise exception 'changes must be a JSON array' using errcode = '22023';
  end if;
  if exists (select 1 from jsonb_array_elements(changes) c
             where jsonb_typeof(c -> 'op_id') is distinct from 'number') then
    raise exception 'Every change needs a numeric op_id' using errcode = '22023';
  end if;
  -- The columns a device may set, per table: all but the server's own.
  select jsonb_object_agg(t.tbl, (
      select jsonb_agg(a.attname) from pg_catalog.pg_attribute a
      where a.attrelid = ('public.' || t.tbl)::regclass and a.attnum > 0 and not a.attisdropped
        and a.attname <> all (servers)))
    into writable
    from unnest(array['projects', 'batches', 'videos', 'frames', 'labels', 'annotations']) as t (tbl);
  perform set_config('stillframe.seq', '', true);
  last_done := private.begin_push(client_id,
    (select min((c ->> 'op_id')::bigint) from jsonb_array_elements(changes) c));

  -- Changes the server already has are answered as before: applied, or rejected with the same reason.
  for change in select value from jsonb_array_elements(changes) loop
    op_id := (change ->> 'op_id')::bigint;
    if op_id <= last_done then
      earlier := private.earlier_rejection(client_id, op_id);
      if earlier is null then
        applied := applied || to_jsonb(op_id);
      else
        refused := refused || earlier;
      end if;
    else
      pending := pending || change;
      last_done := op_id;
    end if;
  end loop;

  outcome := private.apply_changes(pending, writable);
  perform private.finish_push(client_id, coalesce(last_done, 0), outcome -> 'rejected');
  return jsonb_build_object(
    'applied', applied || (outcome -> 'applied'),
    'rejected', refused || (outcome -> 'rejected'),
    'seq', coalesce(nullif(current_setting('stillframe.seq', true), '')::bigint, 0));
end
$$;

-- Pull ---------------------------------------------------------------------------------------------------------

-- Everything in the project the caller may see with seq > after_seq, tombstones included, in seq order.
-- `role` is the caller's role in the project (null: not, or no longer, a member).
create function public.pull_changes(project_id uuid, after_seq bigint, max_rows integer) returns jsonb
language plpgsql stable security invoker set search_path = ''
as $$
declare
  lim integer := least(greatest(coalesce(max_rows, 1000), 1), 10000);
  since bigint := coalesce(after_seq, 0);
  project uuid := project_id;
  result jsonb;
begin
  select jsonb_build_object(
    'rows', coalesce(jsonb_agg(jsonb_build_object('table', c.tbl, 'id', c.id, 'seq', c.seq,
      'deleted_at', c.deleted_at, 'row', c.body) order by c.seq) filter (where c.n <= lim), '[]'::jsonb),
    'next', coalesce(max(c.seq) filter (where c.n <= lim), since),
    'more', count(*) > lim)
  into result
  from (
    -- Each table's next rows by its (project_id, seq) index, limited on their own so that a page reads about a
    -- page of rows whatever the project's size (one sort of everything after the cursor made pulls quadratic).
    select u.*, row_number() over (order by u.seq) as n from (
      (select 'projects' as tbl, p.id, p.seq, p.deleted_at, to_jsonb(p) - 'last_seq' as body
        from public.projects p where p.id = project and p.seq > since)
      union all
      (select 'batches', b.id, b.seq, b.deleted_at, to_jsonb(b)
        from public.batches b where b.project_id = project and b.seq > since order by b.seq limit lim + 1)
      union all
      (select 'labels', l.id, l.seq, l.deleted_at, to_jsonb(l)
        from public.labels l where l.project_id = project and l.seq > since order by l.seq limit lim + 1)
      union all
      (select 'videos', v.id, v.seq, v.deleted_at, to_jsonb(v)
        from public.videos v where v.project_id = project and v.seq > since order by v.seq limit lim + 1)
      union all
      (select 'frames', f.id, f.seq, f.deleted_at, to_jsonb(f)
        from public.frames f where f.project_id = project and f.seq > since order by f.seq limit lim + 1)
      union all
      (select 'annotations', a.id, a.seq, a.deleted_at, to_jsonb(a)
        from public.annotations a where a.project_id = project and a.seq > since order by a.seq limit lim + 1)
      order by seq
      limit lim + 1
    ) u
  ) c;
  return result || jsonb_build_object('role', private.member_role(project));
end
$$;

-- The cloud projects the caller is a member of, with their role and how far they have come.
create function public.list_my_projects()
returns table (id uuid, name text, role text, last_seq bigint, created_at timestamptz, updated_at timestamptz)
language sql stable security invoker set search_path = ''
as $$
  select p.id, p.name, m.role, p.last_seq, p.created_at, p.updated_at
  from public.projects p
  join public.project_members m on m.project_id = p.id and m.user_id = (select auth.uid())
  where p.deleted_at is null
  order by p.name
$$;

-- What the app checks before syncing: absent means these migrations were never applied; lower than the app
-- needs means newer migrations are missing.
create function public.stillframe_schema_version() returns integer
language sql stable set search_path = ''
as $$
  select 1
$$;

-- Privileges ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema private from public;
grant execute on function private.projects_with_role(text[]), private.member_role(uuid), private.is_member(uuid),
  private.path_project(text) to authenticated;
-- Called from push_changes, which runs as the caller.
grant execute on function private.begin_push(uuid, bigint), private.finish_push(uuid, bigint, jsonb),
  private.earlier_rejection(uuid, bigint), private.change_project(text, uuid, jsonb), private.any_row_exists(text, uuid[]),
  private.noun(text), private.try_uuid(text), private.describe_refusal(text, text, text, text, text, uuid, jsonb),
  private.apply_run(text, text, text[], jsonb), private.apply_changes(jsonb[], jsonb) to authenticated;

revoke execute on function public.push_changes(uuid, jsonb), public.pull_changes(uuid, bigint, integer),
  public.list_my_projects() from public, anon;
grant execute on function public.push_changes(uuid, jsonb), public.pull_changes(uuid, bigint, integer),
  public.list_my_projects() to authenticated;
grant execute on function public.stillframe_schema_version() to anon, authenticated;
