using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coupon.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddCampaignIdempotencyKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "idempotency_key",
                table: "coupons",
                type: "varchar(64)",
                maxLength: 64,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.CreateIndex(
                name: "ux_coupons_idempotency_key",
                table: "coupons",
                column: "idempotency_key",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_coupons_idempotency_key",
                table: "coupons");

            migrationBuilder.DropColumn(
                name: "idempotency_key",
                table: "coupons");
        }
    }
}
