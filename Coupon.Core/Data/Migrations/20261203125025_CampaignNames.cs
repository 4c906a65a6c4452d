using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coupon.Core.Data.Migrations
{
    /// <inheritdoc />
    // The campaign's words in the schema: table coupons is campaigns, coupon_id is campaign_id.
    // MySQL names every primary key PRIMARY, so the PK's rename in the model needs no DDL (and
    // dropping it would first have to take AUTO_INCREMENT off the id).
    public partial class CampaignNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_coupon_issues_coupons",
                table: "coupon_issues");

            migrationBuilder.RenameTable(
                name: "coupons",
                newName: "campaigns");

            migrationBuilder.RenameColumn(
                name: "coupon_id",
                table: "winner_withdrawals",
                newName: "campaign_id");

            migrationBuilder.RenameIndex(
                name: "ix_winner_withdrawals_coupon_user",
                table: "winner_withdrawals",
                newName: "ix_winner_withdrawals_campaign_user");

            migrationBuilder.RenameColumn(
                name: "coupon_id",
                table: "coupon_issues",
                newName: "campaign_id");

            migrationBuilder.RenameIndex(
                name: "ux_coupon_issues_coupon_user",
                table: "coupon_issues",
                newName: "ux_coupon_issues_campaign_user");

            migrationBuilder.RenameIndex(
                name: "ux_coupons_idempotency_key",
                table: "campaigns",
                newName: "ux_campaigns_idempotency_key");

            migrationBuilder.AddForeignKey(
                name: "fk_coupon_issues_campaigns",
                table: "coupon_issues",
                column: "campaign_id",
                principalTable: "campaigns",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_coupon_issues_campaigns",
                table: "coupon_issues");

            migrationBuilder.RenameTable(
                name: "campaigns",
                newName: "coupons");

            migrationBuilder.RenameColumn(
                name: "campaign_id",
                table: "winner_withdrawals",
                newName: "coupon_id");

            migrationBuilder.RenameIndex(
                name: "ix_winner_withdrawals_campaign_user",
                table: "winner_withdrawals",
                newName: "ix_winner_withdrawals_coupon_user");

            migrationBuilder.RenameColumn(
                name: "campaign_id",
                table: "coupon_issues",
                newName: "coupon_id");

            migrationBuilder.RenameIndex(
                name: "ux_coupon_issues_campaign_user",
                table: "coupon_issues",
                newName: "ux_coupon_issues_coupon_user");

            migrationBuilder.RenameIndex(
                name: "ux_campaigns_idempotency_key",
                table: "coupons",
                newName: "ux_coupons_idempotency_key");

            migrationBuilder.AddForeignKey(
                name: "fk_coupon_issues_coupons",
                table: "coupon_issues",
                column: "coupon_id",
                principalTable: "coupons",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
