// Package floor is the hand-written client the others are measured
// against: the least a correct MCP client must do per tools/call, with
// nothing else.
//
// Over stdio: one line written under a mutex, one reader goroutine that
// matches responses by id, one decode per response. Over Streamable HTTP:
// one POST per call, its JSON body or its one SSE event decoded once.
//
// The request's fixed parts (envelope, _meta of the stateless revision, the
// tool's name and arguments) are encoded once at connect time; a call
// splices in its id. That is the floor's only trick, and one any client
// could play.
package floor
