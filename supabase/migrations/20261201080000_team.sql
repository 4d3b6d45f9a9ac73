-- A live team: sharing a project by email and role (with invites that wait for an account), at least one owner
-- always, and an announcement on the private Realtime channel `project:<id>` whenever the server commits a change
-- to the project, with policies on realtime.messages so that only members may join it.

-- Invites ------------------------------------------------------------------------------------------------------

-- Invites to addresses that have no account yet; claimed when that address signs up and is confirmed.
create table public.project_invites (
  project_id uuid not null references public.projects (id) on delete cascade,
  email text not null check (email = lower(email) and email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  role text not null check (role in ('owner', 'editor', 'viewer', 'worker')),
  invited_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (project_id, email)
);
create index project_invites_email_idx on public.project_invites (email);

alter table public.project_invites enable row level security;

create policy "Owners see their projects' invites" on public.project_invites for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner'])));
create policy "Owners invite" on public.project_invites for insert to authenticated
  with check (project_id in (select private.projects_with_role(array['owner'])));
create policy "Owners change invites" on public.project_invites for update to authenticated
  using (project_id in (select private.projects_with_role(array['owner'])))
  with check (project_id in (select private.projects_with_role(array['owner'])));
create policy "Owners withdraw invites" on public.project_invites for delete to authenticated
  using (project_id in (select private.projects_with_role(array['owner'])));

-- The account with this address, if any. Only invite_member calls it, after checking the caller owns the project.
create function private.user_id_by_email(address text) returns uuid
language sql stable security definer set search_path = ''
as $$
  select u.id from auth.users u where lower(u.email) = lower(address) and u.deleted_at is null
  order by u.created_at limit 1
$$;

-- A confirmed address takes up the invites waiting for it. Confirmed only: whoever signs up with someone else's
-- address must not inherit their invites.
create function private.claim_invites() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if new.email is not null and new.email_confirmed_at is not null then
    insert into public.project_members (project_id, user_id, role)
    select i.project_id, new.id, i.role from public.project_invites i where i.email = lower(new.email)
    on conflict (project_id, user_id) do nothing;
    delete from public.project_invites i where i.email = lower(new.email);
  end if;
  return new;
end
$$;

create trigger claim_invites after insert or update of email, email_confirmed_at on auth.users
  for each row execute function private.claim_invites();

-- At least one owner ---------------------------------------------------------------------------------------------

create function private.keep_an_owner() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if old.role = 'owner' and (tg_op = 'DELETE' or new.role <> 'owner')
     -- The project or the account itself going away takes its memberships with it.
     and exists (select 1 from public.projects p where p.id = old.project_id)
     and exists (select 1 from auth.users u where u.id = old.user_id)
     and not exists (select 1 from public.project_members m where m.project_id = old.project_id and m.role = 'owner')
  then
    raise exception 'A project needs at least one owner: make someone else an owner first'
      using errcode = '23514';
  end if;
  return null;
end
$$;

create trigger keep_an_owner after update or delete on public.project_members
  for each row execute function private.keep_an_owner();

-- Sharing functions ----------------------------------------------------------------------------------------------
-- They run as the caller: row-level security (owners change members) is what allows or refuses each write.

create function private.check_role_name(wanted text) returns void
language plpgsql immutable set search_path = ''
as $$
begin
  if wanted is null or wanted not in ('owner', 'editor', 'viewer', 'worker') then
    raise exception 'A role is owner, editor, viewer or worker' using errcode = '22023';
  end if;
end
$$;

-- Makes the person with this address a member at once, or invites the address until it has an account.
-- Answers {"status": "added", "user_id", "email", "role"} or {"status": "invited", "email", "role"}.
create function public.invite_member(project_id uuid, email text, role text) returns jsonb
language plpgsql security invoker set search_path = ''
as $$
declare
  project uuid := project_id;
  address text := lower(btrim(email));
  wanted text := role;
  invitee uuid;
begin
  if auth.uid() is null then
    raise exception 'Sign in to share a project' using errcode = '42501';
  end if;
  perform private.check_role_name(wanted);
  if address is null or address !~ '^[^@[:space:]]+@[^@[:space:]]+$' then
    raise exception '"%" is not an email address', coalesce(email, '') using errcode = '22023';
  end if;
  if private.member_role(project) is distinct from 'owner' then
    raise exception 'Only an owner of this project can invite people' using errcode = '42501';
  end if;
  invitee := private.user_id_by_email(address);
  if invitee is null then
    insert into public.project_invites as i (project_id, email, role) values (project, address, wanted)
    on conflict on constraint project_invites_pkey do update
      set role = excluded.role, invited_by = auth.uid(), created_at = now();
    return jsonb_build_object('status', 'invited', 'email', address, 'role', wanted);
  end if;
  insert into public.project_members as m (project_id, user_id, role) values (project, invitee, wanted)
  on conflict on constraint project_members_pkey do update set role = excluded.role, updated_at = now();
  return jsonb_build_object('status', 'added', 'user_id', invitee, 'email', address, 'role', wanted);
end
$$;

create function public.set_member_role(project_id uuid, user_id uuid, role text) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  project uuid := project_id;
  member uuid := user_id;
begin
  perform private.check_role_name(role);
  update public.project_members m set role = set_member_role.role, updated_at = now()
  where m.project_id = project and m.user_id = member;
  if not found then
    if private.member_role(project) is distinct from 'owner' then
      raise exception 'Only an owner of this project can change roles' using errcode = '42501';
    end if;
    raise exception 'That person is not a member of this project' using errcode = '22023';
  end if;
end
$$;

-- An owner removes a member; any member removes themselves (leaves).
create function public.remove_member(project_id uuid, user_id uuid) returns void
language plpgsql security invoker set search_path = ''
as $$
declare
  project uuid := project_id;
  member uuid := user_id;
begin
  delete from public.project_members m where m.project_id = project and m.user_id = member;
  if not found then
    if member is distinct from auth.uid() and private.member_role(project) is distinct from 'owner' then
      raise exception 'Only an owner of this project can remove members' using errcode = '42501';
    end if;
    raise exception 'That person is not a member of this project' using errcode = '22023';
  end if;
end
$$;

-- Who is in a project, with their addresses (which members cannot read from auth.users themselves), and the
-- invites still waiting.
create function public.list_members(project_id uuid)
returns table (user_id uuid, email text, role text, pending boolean)
language sql stable security definer set search_path = ''
as $$
  select m.user_id, u.email::text, m.role, false
  from public.project_members m join auth.users u on u.id = m.user_id
  where m.project_id = list_members.project_id and private.is_member(list_members.project_id)
  union all
  select null, i.email, i.role, true
  from public.project_invites i
  where i.project_id = list_members.project_id and private.is_member(list_members.project_id)
  order by 4, 2
$$;

-- Live announcements ---------------------------------------------------------------------------------------------

-- The project a channel topic names: 'project:<id>'.
create function private.topic_project(topic text) returns uuid
language sql immutable set search_path = ''
as $$
  select case when topic ~* '^project:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
    then substr(topic, 9)::uuid end
$$;

create policy "Members join their projects' channels" on realtime.messages for select to authenticated
  using (realtime.messages.extension in ('broadcast', 'presence')
    and private.topic_project((select realtime.topic())) in
      (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
-- Members show where they are; announcements of changes come from the database alone.
create policy "Members share their presence in their projects" on realtime.messages for insert to authenticated
  with check (realtime.messages.extension = 'presence'
    and private.topic_project((select realtime.topic())) in
      (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));

-- Announces, once per transaction and project, that the project has changed: {"project_id", "seq"} on
-- `project:<id>`, event `changed`. seq is the project's counter when the first change was stamped; a client that
-- hears it pulls everything after its own cursor, which takes in the whole transaction, committed as one.
-- tg_argv[0]: the column holding the project id.
create function private.announce_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  announced text := coalesce(current_setting('stillframe.announced', true), '');
  project uuid;
  latest bigint;
begin
  for project, latest in execute format('select %I, max(seq) from changed_rows group by 1', tg_argv[0]) loop
    if strpos(announced, project::text) = 0 then
      perform realtime.send(jsonb_build_object('project_id', project, 'seq', latest), 'changed',
        'project:' || project::text, true);
      announced := announced || project::text || ',';
    end if;
  end loop;
  perform set_config('stillframe.announced', announced, true);
  return null;
end
$$;

-- Membership changes carry no seq; they are announced as `members` so open apps refresh who is in the project.
create function private.announce_members() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  project uuid;
begin
  for project in select distinct project_id from changed_rows loop
    perform realtime.send(jsonb_build_object('project_id', project), 'members', 'project:' || project::text, true);
  end loop;
  return null;
end
$$;

create trigger announce_insert after insert on public.projects
  referencing new table as changed_rows for each statement execute function private.announce_change('id');
create trigger announce_update after update on public.projects
  referencing new table as changed_rows for each statement execute function private.announce_change('id');
create trigger announce_insert after insert on public.batches
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_update after update on public.batches
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_insert after insert on public.videos
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_update after update on public.videos
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_insert after insert on public.frames
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_update after update on public.frames
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_insert after insert on public.labels
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_update after update on public.labels
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_insert after insert on public.annotations
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_update after update on public.annotations
  referencing new table as changed_rows for each statement execute function private.announce_change('project_id');
create trigger announce_insert after insert on public.project_members
  referencing new table as changed_rows for each statement execute function private.announce_members();
create trigger announce_update after update on public.project_members
  referencing new table as changed_rows for each statement execute function private.announce_members();
create trigger announce_delete after delete on public.project_members
  referencing old table as changed_rows for each statement execute function private.announce_members();

create or replace function public.stillframe_schema_version() returns integer
language sql stable set search_path = ''
as $$
  select 2
$$;

-- Privileges ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema private from public;
grant execute on function private.topic_project(text), private.user_id_by_email(text),
  private.check_role_name(text) to authenticated;

revoke execute on function public.invite_member(uuid, text, text), public.set_member_role(uuid, uuid, text),
  public.remove_member(uuid, uuid), public.list_members(uuid) from public, anon;
grant execute on function public.invite_member(uuid, text, text), public.set_member_role(uuid, uuid, text),
  public.remove_member(uuid, uuid), public.list_members(uuid) to authenticated;
