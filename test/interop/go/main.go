// ciro-interop-go drives the CIRO relay with the paymaster package of
// NethermindEth/starknet.go, the way a Go backend would: build, sign the typed
// data locally, execute. One flow per run, described by the JSON job in the
// CIRO_INTEROP_JOB environment variable (the same job every interop driver
// takes, see test/interop/harness.ts); the result is one line on stdout,
// prefixed "CIRO_INTEROP_RESULT ".
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"time"

	"github.com/NethermindEth/juno/core/felt"
	"github.com/NethermindEth/starknet.go/account"
	"github.com/NethermindEth/starknet.go/client"
	"github.com/NethermindEth/starknet.go/curve"
	pm "github.com/NethermindEth/starknet.go/paymaster"
	"github.com/NethermindEth/starknet.go/utils"
)

type jobCall struct {
	ContractAddress string   `json:"contractAddress"`
	Entrypoint      string   `json:"entrypoint"`
	Calldata        []string `json:"calldata"`
}

type job struct {
	Flow       string    `json:"flow"` // "invoke" | "deploy_and_invoke"
	RelayURL   string    `json:"relayUrl"`
	APIKey     string    `json:"apiKey"`
	Address    string    `json:"address"`
	PrivateKey string    `json:"privateKey"`
	ClassHash  string    `json:"classHash"`
	Calls      []jobCall `json:"calls"`
	FeeMode    struct {
		Mode     string `json:"mode"`
		GasToken string `json:"gasToken"`
	} `json:"feeMode"`
	TimeBounds *struct {
		ExecuteAfter  int64 `json:"executeAfter"`
		ExecuteBefore int64 `json:"executeBefore"`
	} `json:"timeBounds"`
	Tip json.RawMessage `json:"tip"`
	// ExpectError: a refusal is the answer; report it as the client parsed it instead of failing.
	ExpectError bool `json:"expectError"`
}

type clientError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	Data     string `json:"data"`
	DataType string `json:"dataType"`
	Text     string `json:"text"`
}

type result struct {
	Error           *clientError      `json:"error,omitempty"`
	Client          string            `json:"client"`
	TransactionHash string            `json:"transactionHash"`
	TrackingID      string            `json:"trackingId"`
	Address         string            `json:"address"`
	BuiltType       string            `json:"builtType"`
	Fee             map[string]string `json:"fee"`
	Tokens          []string          `json:"tokens"`
}

func must(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
		os.Exit(1)
	}
}

func hexFelt(s string, what string) *felt.Felt {
	f, err := utils.HexToFelt(s)
	must(err, what)
	return f
}

// decFelt accepts the decimal or 0x-prefixed strings starknet.js calldata uses.
func decFelt(s string) *felt.Felt {
	f := new(felt.Felt)
	if len(s) > 1 && (s[:2] == "0x" || s[:2] == "0X") {
		_, err := f.SetString(s)
		must(err, "calldata "+s)
		return f
	}
	_, err := f.SetString(s)
	must(err, "calldata "+s)
	return f
}

func main() {
	var j job
	must(json.Unmarshal([]byte(os.Getenv("CIRO_INTEROP_JOB")), &j), "CIRO_INTEROP_JOB")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	p, err := pm.New(ctx, j.RelayURL, client.WithHeader("x-paymaster-api-key", j.APIKey))
	must(err, "paymaster.New")

	available, err := p.IsAvailable(ctx)
	must(err, "IsAvailable")
	if !available {
		must(fmt.Errorf("paymaster_isAvailable returned false"), "IsAvailable")
	}
	tokens, err := p.GetSupportedTokens(ctx)
	must(err, "GetSupportedTokens")
	out := result{Client: "starknet.go"}
	for _, t := range tokens {
		out.Tokens = append(out.Tokens, t.TokenAddress.String())
	}

	privKey := hexFelt(j.PrivateKey, "privateKey")
	var user *felt.Felt
	var deployment *pm.AccountDeploymentData
	txType := pm.UserTxnInvoke
	if j.Flow == "deploy_and_invoke" {
		// OpenZeppelin account: constructor(public_key), salt = public key, deployer 0.
		x, _ := curve.PrivateKeyToPoint(privKey.BigInt(new(big.Int)))
		pub := new(felt.Felt).SetBigInt(x)
		classHash := hexFelt(j.ClassHash, "classHash")
		user = account.PrecomputeAccountAddress(pub, classHash, []*felt.Felt{pub})
		deployment = &pm.AccountDeploymentData{
			Address:   user,
			ClassHash: classHash,
			Salt:      pub,
			Calldata:  []*felt.Felt{pub},
			Version:   pm.Cairo1,
		}
		txType = pm.UserTxnDeployAndInvoke
	} else {
		user = hexFelt(j.Address, "address")
	}
	out.Address = user.String()

	calls := make([]pm.Call, 0, len(j.Calls))
	for _, c := range j.Calls {
		data := make([]*felt.Felt, 0, len(c.Calldata))
		for _, d := range c.Calldata {
			data = append(data, decFelt(d))
		}
		calls = append(calls, pm.Call{
			To:       hexFelt(c.ContractAddress, "call.contractAddress"),
			Selector: utils.GetSelectorFromNameFelt(c.Entrypoint),
			Calldata: data,
		})
	}

	params := pm.UserParameters{Version: pm.UserParamV1, FeeMode: pm.FeeMode{Mode: pm.FeeModeSponsored}}
	if j.FeeMode.Mode == "default" {
		params.FeeMode = pm.FeeMode{Mode: pm.FeeModeDefault, GasToken: hexFelt(j.FeeMode.GasToken, "gasToken")}
	}
	if len(j.Tip) > 0 {
		tip := new(pm.TipPriority)
		must(tip.UnmarshalJSON(j.Tip), "tip")
		params.FeeMode.Tip = tip
	}
	if j.TimeBounds != nil {
		params.TimeBounds = &pm.TimeBounds{
			ExecuteAfter:  strconv.FormatInt(j.TimeBounds.ExecuteAfter, 10),
			ExecuteBefore: strconv.FormatInt(j.TimeBounds.ExecuteBefore, 10),
		}
	}

	built, err := p.BuildTransaction(ctx, &pm.BuildTransactionRequest{
		Transaction: pm.UserTransaction{Type: txType, Deployment: deployment, Invoke: &pm.UserInvoke{UserAddress: user, Calls: calls}},
		Parameters:  params,
	})
	if err != nil && j.ExpectError {
		report(out, err)
		return
	}
	must(err, "BuildTransaction")
	out.BuiltType = built.Type.String()
	if built.Fee != nil {
		out.Fee = map[string]string{
			"gas_token_price_in_strk":        built.Fee.GasTokenPriceInStrk.String(),
			"estimated_fee_in_strk":          built.Fee.EstimatedFeeInStrk.String(),
			"estimated_fee_in_gas_token":     built.Fee.EstimatedFeeInGasToken.String(),
			"suggested_max_fee_in_strk":      built.Fee.SuggestedMaxFeeInStrk.String(),
			"suggested_max_fee_in_gas_token": built.Fee.SuggestedMaxFeeInGasToken.String(),
		}
	}
	if built.TypedData == nil {
		must(fmt.Errorf("build returned no typed_data (type %s)", built.Type), "BuildTransaction")
	}

	hash, err := built.TypedData.GetMessageHash(user.String())
	must(err, "GetMessageHash")
	r, s, err := curve.SignFelts(hash, privKey)
	must(err, "SignFelts")

	exec := pm.ExecutableUserTransaction{
		Type:   txType,
		Invoke: &pm.ExecutableUserInvoke{UserAddress: user, TypedData: built.TypedData, Signature: []*felt.Felt{r, s}},
	}
	if txType == pm.UserTxnDeployAndInvoke {
		exec.Deployment = built.Deployment
	}
	res, err := p.ExecuteTransaction(ctx, &pm.ExecuteTransactionRequest{Transaction: exec, Parameters: params})
	if err != nil && j.ExpectError {
		report(out, err)
		return
	}
	must(err, "ExecuteTransaction")
	out.TransactionHash = res.TransactionHash.String()
	out.TrackingID = res.TrackingID.String()

	tracked, err := p.TrackingIDToLatestHash(ctx, res.TrackingID)
	must(err, "TrackingIDToLatestHash")
	if !tracked.TransactionHash.Equal(res.TransactionHash) {
		must(fmt.Errorf("tracking id points at %s, execute returned %s", tracked.TransactionHash, res.TransactionHash), "TrackingIDToLatestHash")
	}

	emit(out)
}

func emit(out result) {
	line, err := json.Marshal(out)
	must(err, "result")
	fmt.Println("CIRO_INTEROP_RESULT " + string(line))
}

// report prints the error the way a Go caller sees it: an *RPCError whose
// Code, Message and Data type are what it would switch on.
func report(out result, err error) {
	ce := &clientError{Code: -1, Text: err.Error()}
	var rpcErr *pm.RPCError
	if errors.As(err, &rpcErr) {
		ce.Code = rpcErr.Code
		ce.Message = rpcErr.Message
		if rpcErr.Data != nil {
			ce.Data = rpcErr.Data.ErrorMessage()
			ce.DataType = fmt.Sprintf("%T", rpcErr.Data)
		}
	}
	out.Error = ce
	emit(out)
}
