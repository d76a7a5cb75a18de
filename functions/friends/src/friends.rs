//! The four friend routes. Lists are paged in the center dialect's shape (`page_no`,
//! `page_size`); an empty list is 204101, as documented.

use crate::App;
use passport_shared::storage::friends::{recommend as rank, Made};
use passport_shared::storage::messages;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::storage::StoreError;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use serde_json::{json, Value};

/// How many of the caller's friends a recommendation looks through.
const RECOMMEND_FROM: usize = 50;
/// How many recommendations are given.
const RECOMMEND_TOP: usize = 20;

async fn profiles(app: &App, uids: &[u64]) -> Result<Vec<Option<User>>, ApiError> {
    let reads = uids.iter().map(|u| app.users.get(*u));
    futures_join(reads).await
}

async fn futures_join<F, T>(futures: impl Iterator<Item = F>) -> Result<Vec<T>, ApiError>
where
    F: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut out = Vec::new();
    for r in futures_util::future::join_all(futures).await {
        out.push(r?);
    }
    Ok(out)
}

fn fid(req: &ApiRequest) -> Result<u64, ApiError> {
    req.params
        .int::<u64>("fid")?
        .ok_or_else(|| ApiError::invalid("fid"))
}

fn entry(user: &User) -> Value {
    json!({
        "uid": user.uid,
        "username": user.username,
        "nickname": user.nickname.clone().unwrap_or_default(),
    })
}

/// The friends of the uid the token names, read beside its check (both friend routes
/// start from them).
pub async fn mine(app: &App, _req: &ApiRequest, uid: u64) -> Result<Vec<(u64, i64)>, StoreError> {
    app.friends.of(uid).await
}

pub async fn list(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    mine: Result<Vec<(u64, i64)>, StoreError>,
) -> Result<Reply, ApiError> {
    let at = req.params.page()?;
    let all = mine?;
    if all.is_empty() {
        return Err(ErrorKind::FriendsNone.into());
    }
    let start = ((at.number - 1) as usize * at.size as usize).min(all.len());
    let page = &all[start..(start + at.size as usize).min(all.len())];
    let users = profiles(app, &page.iter().map(|(f, _)| *f).collect::<Vec<_>>()).await?;
    let data: Vec<Value> = page
        .iter()
        .zip(users)
        .filter_map(|((_, since), user)| {
            let mut e = entry(&user?);
            e["since"] = json!(passport_shared::datetime(*since));
            Some(e)
        })
        .collect();
    let total = all.len() as u64;
    Reply::of(&json!({
        "total": total,
        "pages": total.div_ceil(u64::from(at.size)),
        "current_page": at.number,
        "page_size": at.size,
        "data": data,
    }))
}

pub async fn make(
    app: &App,
    req: &ApiRequest,
    token: &TokenRecord,
    mine: &User,
) -> Result<Reply, ApiError> {
    let now = passport_shared::now();
    let me = token.uid;
    let fid = fid(req)?;
    if fid == me {
        return Err(ApiError::invalid("fid").with_cause("befriending oneself"));
    }
    let name = mine.nickname.as_deref().unwrap_or(&mine.username);
    let text = format!("{name} is now your friend.");
    let note = |id| messages::message(id, fid, Some(me), "New friend", &text, now);
    // The friendship (with its note, checking the other account exists) and the other
    // user's profile for the answer, side by side.
    let (made, theirs) = tokio::join!(
        app.friends.make_with_note(me, fid, note, now),
        app.users.get(fid)
    );
    match made? {
        Made::Made => {}
        Made::NoSuchUser => return Err(ApiError::new(ErrorKind::NoData).with_field("fid")),
        Made::AlreadyFriends => return Err(ErrorKind::FriendMakeFailed.into()),
    }
    let Some(theirs) = theirs? else {
        return Err(ApiError::new(ErrorKind::NoData).with_field("fid"));
    };
    Reply::of(&json!({ "friend": entry(&theirs) }))
}

pub async fn delete(app: &App, req: &ApiRequest, token: &TokenRecord) -> Result<Reply, ApiError> {
    let me = token.uid;
    let fid = fid(req)?;
    if !app.friends.remove(me, fid).await? {
        return Err(ErrorKind::FriendDeleteFailed.into());
    }
    Ok(Reply::ok())
}

pub async fn recommend(
    app: &App,
    _req: &ApiRequest,
    token: &TokenRecord,
    mine: Result<Vec<(u64, i64)>, StoreError>,
) -> Result<Reply, ApiError> {
    let me = token.uid;
    let mine = mine?;
    let looked: Vec<u64> = mine.iter().take(RECOMMEND_FROM).map(|(f, _)| *f).collect();
    let theirs = futures_join(looked.iter().map(|f| app.friends.of(*f))).await?;
    let theirs: Vec<(u64, Vec<(u64, i64)>)> = looked.into_iter().zip(theirs).collect();
    let ranked = rank(me, &mine, &theirs, RECOMMEND_TOP);
    if ranked.is_empty() {
        return Err(ErrorKind::FriendsNone.into());
    }
    let users = profiles(app, &ranked.iter().map(|(u, _)| *u).collect::<Vec<_>>()).await?;
    let data: Vec<Value> = ranked
        .iter()
        .zip(users)
        .filter_map(|((_, mutual), user)| {
            let mut e = entry(&user?);
            e["mutual_friends"] = json!(mutual);
            Some(e)
        })
        .collect();
    Reply::of(&json!({ "data": data }))
}
