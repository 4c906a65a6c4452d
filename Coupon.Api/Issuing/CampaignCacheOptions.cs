namespace Coupon.Api.Issuing;

public sealed class CampaignCacheOptions
{
    public const string Section = "Issuing:CampaignCache";

    // How old a cached campaign may get before it is reloaded (edits on other api instances show
    // up after this); the stale copy keeps answering while the reload runs.
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    // How long a request waits for a campaign load (MySQL hung) before it is answered 503; the
    // load itself is cancelled then. Campaigns already held keep answering from memory.
    public TimeSpan LoadTimeout { get; set; } = TimeSpan.FromSeconds(1.5);

    // How long a sold-out answer from Redis is repeated without asking Redis again.
    public TimeSpan SoldOutMemory { get; set; } = TimeSpan.FromSeconds(1);

    // The window check against the local clock only rejects this far outside the window; near
    // its edges the Lua script decides, with Redis TIME.
    public TimeSpan ClockTolerance { get; set; } = TimeSpan.FromSeconds(1);

    // Campaigns held, and ids below the highest found without a campaign; past this many, some
    // are dropped (and loaded again when asked).
    public int MaxCampaigns { get; set; } = 10_000;

    // How long an id below the highest found without a campaign is answered 404 from memory.
    public TimeSpan MissingMemory { get; set; } = TimeSpan.FromMinutes(1);
}
