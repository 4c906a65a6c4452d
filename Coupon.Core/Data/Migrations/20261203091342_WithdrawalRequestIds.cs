using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Coupon.Core.Data.Migrations
{
    /// <inheritdoc />
    public partial class WithdrawalRequestIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // A withdrawal named a time window before; a window is no request id.
            migrationBuilder.Sql("DELETE FROM winner_withdrawals");

            migrationBuilder.DropColumn(
                name: "not_after_ms",
                table: "winner_withdrawals");

            migrationBuilder.RenameColumn(
                name: "not_before_ms",
                table: "winner_withdrawals",
                newName: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "request_id",
                table: "winner_withdrawals",
                newName: "not_before_ms");

            migrationBuilder.AddColumn<long>(
                name: "not_after_ms",
                table: "winner_withdrawals",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);
        }
    }
}
