using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Coupon.Core.Data;

public sealed class CouponDbContext(DbContextOptions<CouponDbContext> options) : DbContext(options)
{
    // The server every environment runs (Debian's mariadb-server); fixed so that no connection
    // is needed to pick it.
    public static readonly ServerVersion DefaultServerVersion = new MariaDbServerVersion(new Version(10, 11));

    public DbSet<Campaign> Campaigns => Set<Campaign>();
    public DbSet<CouponIssue> Issues => Set<CouponIssue>();
    public DbSet<WinnerWithdrawal> Withdrawals => Set<WinnerWithdrawal>();
    public DbSet<DrawEntry> DrawEntries => Set<DrawEntry>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // DATETIME carries no zone: everything stored is UTC, and comes back marked as UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>().HavePrecision(6);
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcDateTimeConverter>().HavePrecision(6);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Campaign>(campaign =>
        {
            campaign.ToTable("campaigns");
            campaign.Property(c => c.Id).HasColumnName("id");
            campaign.Property(c => c.Title).HasColumnName("title").HasMaxLength(Contracts.CampaignRules.TitleMaxLength);
            // The origin's `type` column, which held "first-come-first-served", is the opening mode.
            campaign.Property(c => c.OpeningMode).HasColumnName("type").HasMaxLength(32)
                .HasConversion(mode => mode == Contracts.OpeningMode.Draw ? "draw" : "first-come",
                    value => value == "draw" ? Contracts.OpeningMode.Draw : Contracts.OpeningMode.FirstCome);
            campaign.Property(c => c.TotalQuantity).HasColumnName("total_quantity");
            campaign.Property(c => c.IssuedQuantity).HasColumnName("issued_quantity");
            campaign.Property(c => c.DiscountAmount).HasColumnName("discount_amount").HasPrecision(12, 2);
            campaign.Property(c => c.MinOrderAmount).HasColumnName("min_order_amount").HasPrecision(12, 2);
            campaign.Property(c => c.IssueStart).HasColumnName("issue_start");
            campaign.Property(c => c.IssueEnd).HasColumnName("issue_end");
            campaign.Property(c => c.CreatedAt).HasColumnName("created_at");
            campaign.Property(c => c.UpdatedAt).HasColumnName("updated_at");
            campaign.Property(c => c.Version).HasColumnName("version").IsConcurrencyToken();
            campaign.Property(c => c.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(Contracts.CampaignRules.IdempotencyKeyMaxLength);
            campaign.HasIndex(c => c.IdempotencyKey).IsUnique().HasDatabaseName("ux_campaigns_idempotency_key");
            campaign.Property(c => c.DrawWindowSeconds).HasColumnName("draw_window_seconds");
            campaign.Property(c => c.DrawSeed).HasColumnName("draw_seed").HasMaxLength(64).IsFixedLength();
            campaign.Property(c => c.DrawnAt).HasColumnName("drawn_at");
            campaign.Property(c => c.DrawEntrants).HasColumnName("draw_entrants");
            campaign.Property(c => c.DrawWinners).HasColumnName("draw_winners");
            campaign.Ignore(c => c.DrawAt);
        });

        modelBuilder.Entity<CouponIssue>(issue =>
        {
            issue.ToTable("coupon_issues");
            issue.Property(i => i.Id).HasColumnName("id");
            issue.Property(i => i.CampaignId).HasColumnName("campaign_id");
            issue.Property(i => i.UserId).HasColumnName("user_id");
            issue.Property(i => i.IssuedAt).HasColumnName("issued_at");
            issue.Property(i => i.UsedAt).HasColumnName("used_at");
            issue.HasIndex(i => new { i.CampaignId, i.UserId }).IsUnique().HasDatabaseName("ux_coupon_issues_campaign_user");
            issue.HasIndex(i => i.UserId).HasDatabaseName("ix_coupon_issues_user");
            issue.HasOne(i => i.Campaign).WithMany(c => c.Issues).HasForeignKey(i => i.CampaignId)
                .HasConstraintName("fk_coupon_issues_campaigns").OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<DrawEntry>(entry =>
        {
            entry.ToTable("draw_entries");
            entry.HasKey(e => new { e.CampaignId, e.UserId });
            entry.Property(e => e.CampaignId).HasColumnName("campaign_id");
            entry.Property(e => e.UserId).HasColumnName("user_id");
            entry.Property(e => e.EnteredAt).HasColumnName("entered_at");
            entry.HasOne<Campaign>().WithMany().HasForeignKey(e => e.CampaignId)
                .HasConstraintName("fk_draw_entries_campaigns").OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<WinnerWithdrawal>(withdrawal =>
        {
            withdrawal.ToTable("winner_withdrawals");
            withdrawal.Property(w => w.Id).HasColumnName("id");
            withdrawal.Property(w => w.CampaignId).HasColumnName("campaign_id");
            withdrawal.Property(w => w.UserId).HasColumnName("user_id");
            withdrawal.Property(w => w.RequestId).HasColumnName("request_id");
            withdrawal.Property(w => w.RecordedAt).HasColumnName("recorded_at");
            withdrawal.HasIndex(w => new { w.CampaignId, w.UserId }).HasDatabaseName("ix_winner_withdrawals_campaign_user");
        });
    }
}

internal sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    value => value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value,
    value => DateTime.SpecifyKind(value, DateTimeKind.Utc));
