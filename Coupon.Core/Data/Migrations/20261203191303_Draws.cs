using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coupon.Core.Data.Migrations
{
    /// <inheritdoc />
    // Issue 19: the opening mode in the origin's `type` column ("first-come" or "draw"), a draw's
    // window, seed and result on the campaign, and its entries.
    public partial class Draws : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE campaigns SET type = 'first-come' WHERE type = 'first-come-first-served'");

            migrationBuilder.AddColumn<int>(
                name: "draw_entrants",
                table: "campaigns",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "draw_seed",
                table: "campaigns",
                type: "char(64)",
                fixedLength: true,
                maxLength: 64,
                nullable: true)
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<int>(
                name: "draw_window_seconds",
                table: "campaigns",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "draw_winners",
                table: "campaigns",
                type: "int",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "drawn_at",
                table: "campaigns",
                type: "datetime(6)",
                precision: 6,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "draw_entries",
                columns: table => new
                {
                    campaign_id = table.Column<long>(type: "bigint", nullable: false),
                    user_id = table.Column<long>(type: "bigint", nullable: false),
                    entered_at = table.Column<DateTime>(type: "datetime(6)", precision: 6, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_draw_entries", x => new { x.campaign_id, x.user_id });
                    table.ForeignKey(
                        name: "fk_draw_entries_campaigns",
                        column: x => x.campaign_id,
                        principalTable: "campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                })
                .Annotation("MySql:CharSet", "utf8mb4");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("UPDATE campaigns SET type = 'first-come-first-served' WHERE type = 'first-come'");

            migrationBuilder.DropTable(
                name: "draw_entries");

            migrationBuilder.DropColumn(
                name: "draw_entrants",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "draw_seed",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "draw_window_seconds",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "draw_winners",
                table: "campaigns");

            migrationBuilder.DropColumn(
                name: "drawn_at",
                table: "campaigns");
        }
    }
}
