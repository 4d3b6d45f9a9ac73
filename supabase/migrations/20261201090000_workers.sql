-- Team workers: a queue of processing jobs in the project's own database, claimed under leases with
-- FOR UPDATE SKIP LOCKED so any number of workers never take the same job; a job whose lease runs out returns to
-- the queue, and after its attempt limit it is dead with its last error. Plain SQL, no extension.

-- Videos processed on workers are uploaded whole to this bucket first, under <project_id>/videos/<video_id>/.
insert into storage.buckets (id, name, public) values ('videos', 'videos', false) on conflict (id) do nothing;

create policy "Members read their projects' videos" on storage.objects for select to authenticated
  using (bucket_id = 'videos' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));
create policy "Editors upload videos" on storage.objects for insert to authenticated
  with check (bucket_id = 'videos' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors replace videos" on storage.objects for update to authenticated
  using (bucket_id = 'videos' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor'])))
  with check (bucket_id = 'videos' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor'])));
create policy "Editors remove videos" on storage.objects for delete to authenticated
  using (bucket_id = 'videos' and private.path_project(name) in
    (select private.projects_with_role(array['owner', 'editor'])));

-- Statuses as the local queue's: pending, processing (leased), failed (waiting for its retry at run_after),
-- done, dead (out of attempts, with its last error), cancelled (discarded).
create table public.processing_jobs (
  id uuid primary key default gen_random_uuid(),
  project_id uuid not null references public.projects (id) on delete cascade,
  video_id uuid not null,
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'failed', 'done', 'dead', 'cancelled')),
  priority integer not null default 0,
  attempt integer not null default 0,
  max_attempts integer not null default 3 check (max_attempts between 1 and 20),
  options jsonb not null default '{}'::jsonb,
  source_type text not null check (source_type in ('direct', 'loom')),
  source_url text,
  source_metadata jsonb,
  processing_progress real not null default 0,
  processing_error text,
  worker_id text,
  claimed_by uuid references auth.users (id) on delete set null,
  lease_seconds integer,
  lease_expires_at timestamptz,
  run_after timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  enqueued_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (project_id, video_id) references public.videos (project_id, id) on delete cascade
);
create index processing_jobs_runnable_idx on public.processing_jobs (priority desc, created_at)
  where status in ('pending', 'failed');
create index processing_jobs_leases_idx on public.processing_jobs (lease_expires_at) where status = 'processing';
create index processing_jobs_project_idx on public.processing_jobs (project_id, created_at);
-- One live job per video, so enqueueing twice (a retried request) queues it once.
create unique index processing_jobs_one_live_per_video on public.processing_jobs (video_id)
  where status in ('pending', 'processing', 'failed');

alter table public.processing_jobs enable row level security;

-- Members see the queue; every change goes through the functions below, which check the caller's role.
create policy "Members see their projects' jobs" on public.processing_jobs for select to authenticated
  using (project_id in (select private.projects_with_role(array['owner', 'editor', 'viewer', 'worker'])));

-- Mirrors a job's state onto its video, which syncs and is announced to the project like any change.
create function private.show_job_on_video(job public.processing_jobs) returns void
language sql security definer set search_path = ''
as $$
  update public.videos v set
    status = case job.status when 'dead' then 'failed' when 'failed' then 'pending' else job.status end,
    processing_progress = job.processing_progress,
    processing_error = job.processing_error,
    worker_id = job.worker_id,
    started_at = job.started_at,
    completed_at = job.completed_at
  where v.id = job.video_id and v.deleted_at is null
$$;

-- Queues a video of the caller's project (owners and editors) for the team's workers; answers the job's id.
create function public.enqueue_job(video_id uuid, options jsonb, priority integer) returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  video public.videos;
  job public.processing_jobs;
begin
  select * into video from public.videos v where v.id = enqueue_job.video_id;
  if video.id is null or video.project_id not in (select private.projects_with_role(array['owner', 'editor'])) then
    raise exception 'This video is not in a project you can edit' using errcode = '42501';
  end if;
  if video.deleted_at is not null then
    raise exception 'This video was deleted' using errcode = '22023';
  end if;
  if video.source_type = 'direct' and not exists (
    select 1 from storage.objects o where o.bucket_id = 'videos' and o.name = video.storage_path) then
    raise exception 'The video has not finished uploading' using errcode = '22023';
  end if;
  select * into job from public.processing_jobs j
  where j.video_id = video.id and j.status in ('pending', 'processing', 'failed');
  if job.id is not null then
    return job.id;
  end if;
  insert into public.processing_jobs (project_id, video_id, priority, options, source_type, source_url,
    source_metadata, max_attempts)
  values (video.project_id, video.id, coalesce(enqueue_job.priority, 0), coalesce(enqueue_job.options, '{}'),
    video.source_type, video.source_url, video.source_metadata,
    least(greatest(coalesce((enqueue_job.options ->> 'max_attempts')::integer, 3), 1), 20))
  returning * into job;
  perform private.show_job_on_video(job);
  return job.id;
end
$$;

-- Takes the next runnable job of a project the caller works for (role `worker`), highest priority first:
-- a pending one, a failed one whose retry is due, or one whose worker's lease ran out. A job out of attempts is
-- moved to dead on the way. Answers the job as JSON, or null when there is nothing to do.
create function public.claim_job(worker_id text, lease_seconds integer) returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  lease integer := least(greatest(coalesce(lease_seconds, 60), 1), 86400);
  job public.processing_jobs;
  batch public.batches;
  video public.videos;
begin
  if auth.uid() is null then
    raise exception 'Sign in to work on jobs' using errcode = '42501';
  end if;
  if worker_id is null or btrim(worker_id) = '' then
    raise exception 'A worker needs a name' using errcode = '22023';
  end if;
  loop
    select * into job from public.processing_jobs j
    where j.project_id in (select private.projects_with_role(array['worker']))
      and ((j.status in ('pending', 'failed') and j.run_after <= now())
        or (j.status = 'processing' and j.lease_expires_at < now()))
    order by j.priority desc, j.created_at
    for update skip locked
    limit 1;
    if job.id is null then
      return null;
    end if;
    exit when job.attempt < job.max_attempts;
    -- Its last worker stopped answering on its last attempt.
    update public.processing_jobs j set status = 'dead', completed_at = now(), updated_at = now(),
      lease_expires_at = null,
      processing_error = coalesce(j.processing_error, 'The worker processing it stopped responding')
    where j.id = job.id returning * into job;
    perform private.show_job_on_video(job);
  end loop;

  update public.processing_jobs j set status = 'processing', attempt = j.attempt + 1,
    worker_id = claim_job.worker_id, claimed_by = auth.uid(), lease_seconds = lease,
    lease_expires_at = now() + make_interval(secs => lease), started_at = now(), completed_at = null,
    processing_progress = 0, updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
  select * into video from public.videos v where v.id = job.video_id;
  select * into batch from public.batches b where b.id = video.batch_id;
  return jsonb_build_object(
    'job_id', job.id, 'video_id', job.video_id, 'project_id', job.project_id,
    'batch_id', batch.id, 'batch_slug', batch.slug, 'batch_name', batch.name,
    'video_name', video.name, 'storage_path', video.storage_path, 'content_hash', video.content_hash,
    'size_bytes', video.size_bytes,
    'source_type', job.source_type, 'source_url', job.source_url, 'source_metadata', job.source_metadata,
    'options', job.options, 'priority', job.priority, 'attempt', job.attempt, 'max_attempts', job.max_attempts,
    'lease_seconds', job.lease_seconds, 'lease_expires_at', job.lease_expires_at);
end
$$;

-- The caller's job, still leased to this worker (by name and account), locked for the change that follows.
create function private.held_job(job_id uuid, worker_id text) returns public.processing_jobs
language sql security definer set search_path = ''
as $$
  select * from public.processing_jobs j
  where j.id = held_job.job_id and j.worker_id = held_job.worker_id and j.claimed_by = (select auth.uid())
    and j.status = 'processing'
  for update
$$;

-- Extends the lease and records progress (0..1). False once the lease was lost (the job was taken over,
-- discarded, or finished): the worker stops working on it.
create function public.heartbeat_job(job_id uuid, worker_id text, progress real) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  job public.processing_jobs := private.held_job(job_id, worker_id);
begin
  if job.id is null then
    return false;
  end if;
  update public.processing_jobs j set lease_expires_at = now() + make_interval(secs => j.lease_seconds),
    processing_progress = least(greatest(coalesce(progress, j.processing_progress), 0), 1), updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
  return true;
end
$$;

-- Marks the job done. `probe` may carry what the worker learnt of the video (duration_ms, width, height,
-- frame_rate, codec, rotation). False when the lease was lost: another worker's result stands.
create function public.complete_job(job_id uuid, worker_id text, probe jsonb default null) returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  job public.processing_jobs := private.held_job(job_id, worker_id);
begin
  if job.id is null then
    return false;
  end if;
  update public.processing_jobs j set status = 'done', processing_progress = 1, processing_error = null,
    completed_at = now(), lease_expires_at = null, updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
  if probe is not null then
    update public.videos v set
      duration_ms = coalesce((probe ->> 'duration_ms')::bigint, v.duration_ms),
      width = coalesce((probe ->> 'width')::integer, v.width),
      height = coalesce((probe ->> 'height')::integer, v.height),
      frame_rate = coalesce((probe ->> 'frame_rate')::double precision, v.frame_rate),
      codec = coalesce(probe ->> 'codec', v.codec),
      rotation = coalesce((probe ->> 'rotation')::integer, v.rotation)
    where v.id = job.video_id;
  end if;
  return true;
end
$$;

-- Records a failure: a retryable one goes back to the queue after a growing delay (2 s, 4 s, 8 s ... at most
-- 5 min, as the local queue waits) until its attempt limit, then it is dead with this error. Answers the job's
-- new status ('failed' waiting for its retry, or 'dead'), or null when the lease was lost.
create function public.fail_job(job_id uuid, worker_id text, error text, retryable boolean) returns text
language plpgsql security definer set search_path = ''
as $$
declare
  job public.processing_jobs := private.held_job(job_id, worker_id);
  again boolean;
begin
  if job.id is null then
    return null;
  end if;
  again := coalesce(retryable, false) and job.attempt < job.max_attempts;
  update public.processing_jobs j set
    status = case when again then 'failed' else 'dead' end,
    processing_error = coalesce(nullif(btrim(error), ''), 'The worker could not process this video'),
    run_after = case when again then now() + make_interval(secs => least(300, 2 * 2 ^ (j.attempt - 1))) else j.run_after end,
    completed_at = case when again then null else now() end,
    lease_expires_at = null, updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
  return job.status;
end
$$;

-- The desktop's Retry for a dead (or discarded) job: back to the queue with its attempts reset.
create function public.retry_job(job_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  job public.processing_jobs;
begin
  select * into job from public.processing_jobs j where j.id = retry_job.job_id for update;
  if job.id is null or job.project_id not in (select private.projects_with_role(array['owner', 'editor'])) then
    raise exception 'This job is not in a project you can edit' using errcode = '42501';
  end if;
  if job.status not in ('dead', 'cancelled') then
    raise exception 'Only a dead or discarded job can be retried' using errcode = '22023';
  end if;
  update public.processing_jobs j set status = 'pending', attempt = 0, processing_error = null,
    processing_progress = 0, run_after = now(), worker_id = null, claimed_by = null, started_at = null,
    completed_at = null, updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
end
$$;

-- The desktop's Discard: the job leaves the queue (a worker holding it learns so at its next heartbeat).
create function public.discard_job(job_id uuid) returns void
language plpgsql security definer set search_path = ''
as $$
declare
  job public.processing_jobs;
begin
  select * into job from public.processing_jobs j where j.id = discard_job.job_id for update;
  if job.id is null or job.project_id not in (select private.projects_with_role(array['owner', 'editor'])) then
    raise exception 'This job is not in a project you can edit' using errcode = '42501';
  end if;
  if job.status in ('done', 'cancelled') then
    return;
  end if;
  update public.processing_jobs j set status = 'cancelled', lease_expires_at = null, completed_at = now(),
    updated_at = now()
  where j.id = job.id returning * into job;
  perform private.show_job_on_video(job);
end
$$;

create or replace function public.stillframe_schema_version() returns integer
language sql stable set search_path = ''
as $$
  select 3
$$;

-- Privileges ---------------------------------------------------------------------------------------------------

revoke execute on all functions in schema private from public;
revoke update, insert, delete on public.processing_jobs from anon, authenticated;
revoke execute on function public.enqueue_job(uuid, jsonb, integer), public.claim_job(text, integer),
  public.heartbeat_job(uuid, text, real), public.complete_job(uuid, text, jsonb),
  public.fail_job(uuid, text, text, boolean), public.retry_job(uuid), public.discard_job(uuid) from public, anon;
grant execute on function public.enqueue_job(uuid, jsonb, integer), public.claim_job(text, integer),
  public.heartbeat_job(uuid, text, real), public.complete_job(uuid, text, jsonb),
  public.fail_job(uuid, text, text, boolean), public.retry_job(uuid), public.discard_job(uuid) to authenticated;
